"""A recall against the project's real server (pytest-django's live_server): a till that sold
the product offline before it synced gets its line flagged as an anomaly; once synced, the
till refuses the product."""

from __future__ import annotations

import pytest

from cabas.caisse.cli import main as caisse_main
from cabas.caisse.core.app import TillContext
from tests.caisse.fakes import FakeView

pytestmark = [pytest.mark.django_db(transaction=True)]


@pytest.fixture
def till_dir(tmp_path, shop, live_server, monkeypatch):
    from cabas.gestion.pos.services import enrollment_code_create

    monkeypatch.setenv("CABAS_CAISSE_KEYRING", "0")
    code = enrollment_code_create(store=shop.store).code
    data_dir = tmp_path / "Cabas"
    argv = ["--data-dir", str(data_dir), "enroll", "--server", live_server.url]
    assert caisse_main([*argv, "--code", code, "--name", "Caisse rappel", "--no-keyring"]) == 0
    return data_dir


def signed_in_till(ctx: TillContext, shop, view: FakeView):
    till = ctx.till(view)
    assert till.sign_in(shop.cashier_id, "2468"), view.messages
    if ctx.sessions.current() is None:
        assert till.open_session(0) is not None
    return till


def test_a_recall_flags_the_offline_sale_and_blocks_the_synced_till(world, shop, till_dir):
    from cabas.gestion.recalls.models import RecallScope
    from cabas.gestion.recalls.selectors import recall_buyers
    from cabas.gestion.recalls.services import recall_record
    from cabas.gestion.sales.models import Anomaly

    ctx = TillContext.open(till_dir)
    assert ctx.agent().run_once().state == "online"
    barcode = shop.pasta.barcodes.first().code

    # The manager records the recall; this till has not synced since.
    recall = recall_record(
        store=shop.store,
        product=shop.pasta,
        scope=RecallScope.PRODUCT,
        reason="Listeria",
        source="authorities",
        actor=world.alice,
    )
    view = FakeView()
    till = signed_in_till(ctx, shop, view)
    till.scan(shop.household.code)
    till.scan(barcode)
    assert [line.product_id for line in till.lines] == [shop.pasta.pk]  # it did not know
    sold = till.add_payment("cash", tendered_cents=5000)
    assert sold is not None, view.messages

    report = ctx.agent().run_once()
    assert report.acknowledged >= 1 and report.snapshot_updated, report
    (anomaly,) = Anomaly.objects.filter(ticket_id=sold.id, kind=Anomaly.Kind.RECALLED)
    assert anomaly.details["recall_id"] == recall.pk
    assert [b.household for b in recall_buyers(recall).households] == [shop.household]

    # Synced: the till refuses it now, with the reason.
    view = FakeView()
    till = signed_in_till(ctx, shop, view)
    till.scan(barcode)
    assert till.lines == []
    assert "« Spaghetti » est rappelé (Listeria, tous les lots)" in view.texts("error")[-1]
