"""The outbox and the sync agent against a fake server: acknowledgements, rejections,
quarantine, batches, the lock, journal pruning and deltas."""

from __future__ import annotations

import json
import queue
import threading
import uuid
from datetime import UTC, date, datetime, timedelta

from cabas.caisse.core.fsutil import FileLock
from cabas.caisse.core.link import OFFLINE, ONLINE
from cabas.caisse.core.store import SnapshotStore
from tests.caisse.conftest import NOW
from tests.caisse.fakes import FakeView, ean, make_snapshot


def sell(till, n=1, product=1):
    tickets = []
    for _ in range(n):
        till.scan(ean(f"376000000{product:03d}"))
        tickets.append(till.add_payment("cash"))
    return tickets


def test_waiting_tickets_are_sent_and_moved_to_the_journal(till, ctx, server):
    tickets = sell(till, 3)
    report = ctx.agent().run_once()
    assert report.state == "online" and report.acknowledged == 3
    assert ctx.outbox.pending_count() == 0
    assert sorted(server.stored) == sorted(str(t.id) for t in tickets)
    journal = list(ctx.data.journal.rglob("*.json"))
    assert len(journal) == 3


def test_offline_tickets_stay_until_the_server_is_back(till, ctx, server):
    server.online = False
    sell(till, 2)
    report = ctx.agent().run_once()
    assert report.state == "offline" and ctx.outbox.pending_count() == 2
    server.online = True
    assert ctx.agent().run_once().acknowledged == 2
    assert len(server.stored) == 2


def test_a_backlog_goes_in_batches_of_at_most_100(till, ctx, server):
    for _ in range(230):
        till.scan(ean("376000000001"))
        till.add_payment("cash")
    ctx.agent().run_once()
    assert server.batches == [100, 100, 30]
    assert len(set(server.stored)) == 230


def test_a_server_that_commits_then_drops_the_connection_gets_a_duplicate(till, ctx, server):
    sell(till, 2)
    server.commit_then_fail = 1
    assert ctx.agent().run_once().state == "offline"
    assert ctx.outbox.pending_count() == 2
    report = ctx.agent().run_once()
    assert report.acknowledged == 2 and ctx.outbox.pending_count() == 0
    assert len(server.stored) == 2


def test_a_rejected_ticket_goes_to_rejetes_with_its_reason_and_blocks_nothing(till, ctx, server):
    bad, good = sell(till, 2)
    server.tickets[str(bad.id)] = "another fingerprint"
    report = ctx.agent().run_once()
    assert report.rejected == 1 and report.acknowledged == 1
    record = json.loads((ctx.data.rejetes / f"{bad.id}.json").read_text())
    assert record["error"]["code"] == "id_conflict"
    assert record["ticket"]["id"] == str(bad.id)
    assert ctx.outbox.rejected_count() == 1
    assert till.status().rejected == 1
    assert any("refusé" in problem for problem in report.problems)


def test_a_corrupt_file_is_quarantined_and_the_others_are_sent(till, ctx, server):
    sell(till, 1)
    (ctx.data.ventes / f"{uuid.uuid4()}.json").write_text('{"id": "half-writ')
    (ctx.data.ventes / "in-progress.json.tmp").write_text("ignored")
    report = ctx.agent().run_once()
    assert report.quarantined == 1 and report.acknowledged == 1
    assert len(ctx.outbox.quarantined()) == 2  # the file and its note
    assert (ctx.data.ventes / "in-progress.json.tmp").exists()


def test_two_agents_never_send_at_the_same_time(till, ctx, server):
    sell(till, 1)
    other = FileLock(ctx.data.sync_lock)
    with other.held():
        report = ctx.agent().run_once()
    assert report.state == "busy" and server.batches == []
    assert ctx.agent().run_once().acknowledged == 1


def test_the_journal_keeps_30_days(till, ctx):
    old = ctx.data.journal / (date(2026, 11, 12) - timedelta(days=31)).isoformat()
    old.mkdir(parents=True)
    recent = ctx.data.journal / "2026-11-01"
    recent.mkdir()
    assert ctx.outbox.prune_journal(date(2026, 11, 12)) == 1
    assert not old.exists() and recent.exists()


def test_resend_puts_journal_tickets_back_and_the_server_answers_duplicate(till, ctx, server):
    sell(till, 2)
    ctx.agent().run_once()
    assert ctx.outbox.resend_since(date(2000, 1, 1)) == 2
    report = ctx.agent().run_once()
    assert report.acknowledged == 2 and len(server.stored) == 2


def test_acknowledged_tickets_still_count_in_the_budget_until_the_next_snapshot(till, ctx, server):
    till.scan("B0001")
    sell(till, 1, product=5)  # 150 for the household
    server.online = True
    agent = ctx.agent()
    agent._pull = lambda report: None  # acknowledged, but no new snapshot yet
    agent.run_once()
    till.scan("B0001")
    assert till.budget().left_cents == 1850


def test_a_delta_updates_the_local_data_atomically(ctx, server, tmp_path):
    store = ctx.store
    delta = make_snapshot(full=False, cursor="c2", products=0).model_copy(
        update={"products": [], "beneficiaries": []}
    )
    from cabas.protocol import DeletedIds

    delta = delta.model_copy(update={"deleted": DeletedIds(products=[1])})
    server.snapshot_value = delta
    ctx.agent().run_once()
    snapshot, _ = store.load()
    assert snapshot.cursor == "c2"
    assert 1 not in {p.id for p in snapshot.products} and 2 in {p.id for p in snapshot.products}
    assert server.since_seen == ["c1"]


def test_the_local_data_is_encrypted_and_readable_again(ctx, server):
    raw = (ctx.data.data / "snapshot.bin").read_bytes()
    assert b"Produit" not in raw and b"Martin" not in raw
    header = json.loads(raw.split(b"\n", 1)[0])
    assert header["format"] == 2  # STORE_FORMAT: 2 since the quotas
    again = SnapshotStore(ctx.data, key_mode="file").load()
    assert again[0].cursor == "c1"
    assert oct((ctx.data.data / "key").stat().st_mode & 0o777) == "0o600"


def test_a_newer_format_with_unknown_keys_is_still_read(ctx):
    import zlib

    store = ctx.store
    snapshot, _ = store.load()
    meta = {"format": 2, "fetched_at": datetime.now(UTC).isoformat(), "also_new": True}
    body = {**snapshot.model_dump(mode="json"), "future_field": [1, 2]}
    plain = json.dumps(meta).encode() + b"\n" + json.dumps(body).encode()
    token = store._cipher().encrypt(zlib.compress(plain))
    header = json.dumps({"format": 2, "cipher": "fernet+zlib", "extra": 1}).encode()
    store.path.write_bytes(header + b"\n" + token)
    assert store.load()[0].cursor == "c1"


def test_a_full_disk_while_saving_the_snapshot_is_reported_not_raised(
    till, ctx, server, monkeypatch
):
    import errno

    from cabas.caisse.core import store as store_module
    from cabas.caisse.core.link import StatusInfo

    tickets = sell(till, 2)
    server.snapshot_value = make_snapshot(cursor="c2")

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(store_module, "atomic_write_bytes", full)
    report = ctx.agent().run_once()

    # The tickets went through before the snapshot could not be saved: nothing lost.
    assert report.acknowledged == 2 and ctx.outbox.pending_count() == 0
    assert sorted(server.stored) == sorted(str(t.id) for t in tickets)
    assert report.state == "online"
    assert report.message.startswith("Disque plein")
    assert report.message in report.problems
    # The status bar says it too.
    till.update_link(report.state, None, report.message)
    status: StatusInfo = till.status()
    assert "Disque plein" in status.text()
    # The old local data is untouched and still loads; once there is room the next round
    # saves the new snapshot.
    assert ctx.store.load()[0].cursor == "c1"
    monkeypatch.undo()
    monkeypatch.setenv("CABAS_CAISSE_KEYRING", "0")
    assert ctx.agent().run_once().snapshot_updated
    assert ctx.store.load()[0].cursor == "c2"


def test_a_rounds_report_sets_the_status_bar_and_shows_its_problems(till, ctx, server, view):
    bad, _good = sell(till, 2)
    server.tickets[str(bad.id)] = "another fingerprint"
    till.apply_sync_report(ctx.agent().run_once())
    status = view.statuses[-1]
    assert status.state == ONLINE and status.last_sync == NOW and status.rejected == 1
    assert any("refusé" in text for text in view.texts("error")), view.messages
    # Offline: the bar says so, the last sync stays the one that went through.
    server.online = False
    till.apply_sync_report(ctx.agent().run_once())
    assert view.statuses[-1].state == OFFLINE and view.statuses[-1].last_sync == NOW


def test_a_till_opened_again_shows_when_any_agent_last_synced(ctx):
    assert ctx.till(FakeView()).status().last_sync is None
    ctx.agent().run_once()  # `cabas-caisse sync`, or an earlier window
    last = ctx.till(FakeView()).status().last_sync
    assert last is not None and last.tzinfo is not None


def test_the_loop_of_a_window_sends_a_sale_as_soon_as_it_is_woken(till, ctx, server):
    """`SyncAgent.run_forever`, as the window runs it in a thread: a round at once, then the
    next one when a sale wakes it, long before its interval."""
    reports: queue.Queue = queue.Queue()
    stop, wake = threading.Event(), threading.Event()
    agent = ctx.agent()
    thread = threading.Thread(
        target=agent.run_forever,
        args=(stop,),
        kwargs={"interval": 600.0, "on_report": reports.put, "wake": wake},
        daemon=True,
    )
    thread.start()
    try:
        assert reports.get(timeout=10).state == ONLINE
        sell(till, 1)
        wake.set()
        report = reports.get(timeout=10)
        assert report.acknowledged == 1 and ctx.outbox.pending_count() == 0
        till.apply_sync_report(report)
        assert till.status().waiting == 0
    finally:
        stop.set()
        wake.set()
        thread.join(10)
    assert not thread.is_alive()
