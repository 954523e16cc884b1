from tests.gestion.pos.conftest import till_a, till_b  # noqa: F401
from tests.gestion.sales.conftest import shop_a, shop_b  # noqa: F401
