"""The sales tests' shop and till, for the privacy tests that need real tickets."""

from tests.gestion.sales.conftest import shop_a, till_a  # noqa: F401
