"""The till killed (SIGKILL, no chance to clean up) at random moments while it writes tickets,
sends them, records the server's acknowledgements and moves them out of Ventes/, then started
again: no sale is lost, none is counted twice, no file is left half-written."""

from __future__ import annotations

import os
import random
from pathlib import Path

from tests.faults.conftest import FaultServer, assert_consistent, open_shop, paid_ids, size
from tests.faults.killing import TillProcess, kill_at_random_moments

# CABAS_FAULTS_KILL_TRIALS overrides the number (a long run between the two sizes).
TRIALS = int(os.environ.get("CABAS_FAULTS_KILL_TRIALS", "0")) or size(6, 1000)


def test_a_till_killed_at_random_moments_loses_and_duplicates_nothing(
    fault_server: FaultServer, tmp_path: Path, record_property
) -> None:
    shop = open_shop(fault_server, tmp_path, "kill")
    folder = shop.tills[0]
    rng = random.Random(int(os.environ.get("CABAS_FAULTS_SEED", "9")))
    # Each sale is written (fsync'ed), then sent, acknowledged and moved to the journal: a sale
    # and its sync take tens of milliseconds, so a kill within 0.25 s lands in every phase.
    killings = kill_at_random_moments(
        lambda trial: TillProcess.tillproc(
            "run", "--dir", str(folder), "--sales", str(rng.randint(1, 4)), "--seed", str(trial)
        ),
        trials=TRIALS,
        rng=rng,
        pause=(0, 0.25),
        ready="READY",
    )
    for out in killings.outputs:
        shop.confirmed |= paid_ids(out)
    result = assert_consistent(fault_server, shop)
    moments = dict(killings.moments)
    record_property("faults", {"trials": TRIALS, **result, "moments": moments})
    print(f"till killed: {TRIALS} trials, {result}, kill moments {moments}")
    assert result["confirmed"] > 0
