"""A recalled product on the till: the snapshot's delta brings the recall, the till refuses
the product with a French message (no manager may allow it), and sells it again once the
server's next delta no longer carries it."""

from __future__ import annotations

from cabas.rules.barcodes import lookup_code
from tests.caisse.conftest import NOW
from tests.caisse.fakes import MANAGER, ean, make_snapshot

RECALL = {"id": 31, "reason": "Listeria", "lots": "lots de DLC du 01/12/2026 au 05/12/2026"}
PRODUCT_1 = {
    "id": 1,
    "name": "Produit 1",
    "category_id": 1,
    "barcodes": [ean("376000000001")],
    "unit": "piece",
    "price_cents": 100,
    "stock_qty": 10,
}
APPLES = {
    "id": 900,
    "name": "Pommes golden",
    "category_id": 3,
    "barcodes": [lookup_code("21", "12345")],
    "unit": "kg",
    "price_cents": 250,
}


def delta(*products):
    # With a manager (PIN 9876): their PIN allows a product past its DLC, never a recalled one.
    return make_snapshot(
        products=0,
        full=False,
        cursor="c2",
        extra_products=list(products),
        extra_cashiers=[MANAGER],
    )


def synced_till(ctx, server, view, *products):
    server.snapshot_value = delta(*products)
    assert ctx.agent().run_once().snapshot_updated
    till = ctx.till(view, now=lambda: NOW)
    assert till.sign_in(7, "1234")
    return till


def test_a_till_that_synced_refuses_a_recalled_product(ctx, server, view):
    till = synced_till(ctx, server, view, {**PRODUCT_1, "recall": RECALL})
    till.scan(ean("376000000001"))
    assert till.lines == []
    refusal = view.texts("error")[-1]
    assert refusal.startswith("REFUSÉ : « Produit 1 » est rappelé (Listeria, lots de DLC du")
    assert "retirez-le du rayon" in refusal
    # Searched by name, it is refused the same.
    till.add_product(1, 2)
    assert till.lines == []
    # No manager may allow it.
    assert till.refused_product() is None
    assert not till.allow_refused("9876")
    assert "Aucun article refusé" in view.texts("warning")[-1]
    # The rest of the shop sells.
    till.scan(ean("376000000002"))
    assert [line.product_id for line in till.lines] == [2]


def test_a_recalled_weighed_product_is_refused_before_the_weight_is_asked(ctx, server, view):
    till = synced_till(ctx, server, view, {**APPLES, "recall": {"id": 32, "reason": "Pesticide"}})
    till.scan(lookup_code("21", "12345"))
    assert view.weights == []
    assert "« Pommes golden » est rappelé (Pesticide)" in view.texts("error")[-1]


def test_a_recall_past_its_dlc_is_refused_as_recalled_not_as_expired(ctx, server, view):
    till = synced_till(
        ctx, server, view, {**PRODUCT_1, "earliest_dlc": "2026-10-01", "recall": RECALL}
    )
    till.scan(ean("376000000001"))
    assert "est rappelé" in view.texts("error")[-1]
    assert not till.allow_refused("9876")
    assert till.lines == []


def test_the_next_delta_without_the_recall_sells_it_again(ctx, server, view):
    till = synced_till(ctx, server, view, {**PRODUCT_1, "recall": RECALL})
    till.scan(ean("376000000001"))
    assert till.lines == []
    server.snapshot_value = delta(PRODUCT_1)  # lifted: the product comes without its recall
    assert ctx.agent().run_once().snapshot_updated
    till.replace_catalog(*ctx.load_catalog())
    till.scan(ean("376000000001"))
    assert [line.product_id for line in till.lines] == [1]
