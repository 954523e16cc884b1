from __future__ import annotations

import pytest

from cabas.gestion.catalog.models import Category
from cabas.gestion.catalog.services import category_create


@pytest.fixture
def rayon(world) -> Category:  # type: ignore[no-untyped-def]
    epicerie = category_create(store=world.store_a, name="Épicerie salée")
    return category_create(store=world.store_a, name="Pâtes, riz", parent=epicerie)
