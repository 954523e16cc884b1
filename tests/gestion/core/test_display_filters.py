"""The one library of amounts, rates and quantities the pages load (``{% load cabas %}``)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.template import Context, Template

from cabas.gestion.core.templatetags.cabas import euros, qty, rate, signed_qty, typed_qty

KILO = SimpleNamespace(unit="kg")
PIECE = SimpleNamespace(unit="piece")


@pytest.mark.parametrize("empty", [None, ""])
def test_an_empty_value_reads_as_a_dash_everywhere_but_in_an_input(empty) -> None:
    assert euros(empty) == "—"
    assert rate(empty) == "—"
    assert qty(empty, KILO) == "—"
    assert signed_qty(empty, "kg") == "—"
    assert typed_qty(empty, "kg") == ""


def test_amounts_rates_and_quantities_in_the_rules_formats() -> None:
    assert euros(1250) == "12,50\u00a0€"
    assert euros(0) == "0,00\u00a0€"
    assert rate(3000) == "30\u00a0%"
    assert qty(1500, KILO) == qty(1500, "kg") == "1,5\u00a0kg"
    assert qty(12, PIECE) == qty(12, "piece") == "12"
    assert signed_qty(12, PIECE) == "+12"
    assert signed_qty(-500, KILO) == "-0,5\u00a0kg"
    assert typed_qty(1500, KILO) == "1,5"


def test_a_template_loads_them_as_cabas() -> None:
    page = Template(
        "{% load cabas %}{{ total|euros }} {{ missing|euros }} {{ grams|qty:product }}"
        " {{ grams|qty:product.unit }}"
    )
    text = page.render(Context({"total": 250, "grams": 250, "product": KILO}))
    assert text == "2,50\u00a0€ — 0,25\u00a0kg 0,25\u00a0kg"
