"""The sales test shops and tills, for the home page's figures."""

from tests.gestion.sales.conftest import shop_a, shop_b, till_a, till_b  # noqa: F401
