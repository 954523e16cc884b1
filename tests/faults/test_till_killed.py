"""The till killed (SIGKILL, no chance to clean up) at random moments while it writes tickets,
sends them, records the server's acknowledgements and moves them out of Ventes/, then started
again: no sale is lost, none is counted twice, no file is left half-written."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import time
from collections import Counter
from pathlib import Path

from tests.faults.conftest import (
    ROOT,
    FaultServer,
    assert_consistent,
    base_env,
    open_shop,
    paid_ids,
    size,
    till_command,
)

# CABAS_FAULTS_KILL_TRIALS overrides the number (a long run between the two sizes).
TRIALS = int(os.environ.get("CABAS_FAULTS_KILL_TRIALS", "0")) or size(6, 1000)


def test_a_till_killed_at_random_moments_loses_and_duplicates_nothing(
    fault_server: FaultServer, tmp_path: Path, record_property
) -> None:
    shop = open_shop(fault_server, tmp_path, "kill")
    folder = shop.tills[0]
    rng = random.Random(int(os.environ.get("CABAS_FAULTS_SEED", "9")))  # noqa: S311
    moments: Counter[str] = Counter()
    for trial in range(TRIALS):
        process = subprocess.Popen(
            till_command(
                "run", "--dir", str(folder), "--sales", str(rng.randint(1, 4)), "--seed", str(trial)
            ),
            env=base_env(),
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert process.stdout is not None
        ready = process.stdout.readline()
        assert ready.strip() == "READY", ready + (process.stderr.read() if process.stderr else "")
        # Each sale is written (fsync'ed), then sent, acknowledged and moved to the journal:
        # a sale and its sync take tens of milliseconds, so this lands in every phase.
        time.sleep(rng.uniform(0, 0.25))
        process.send_signal(signal.SIGKILL)
        out, _ = process.communicate(timeout=30)
        lines = out.splitlines()
        last = lines[-1].split()[0] if lines else "READY"
        moments["finished" if last == "DONE" else f"after {last}"] += 1
        shop.confirmed |= paid_ids(out)
    result = assert_consistent(fault_server, shop)
    record_property("faults", {"trials": TRIALS, **result, "moments": dict(moments)})
    print(f"till killed: {TRIALS} trials, {result}, kill moments {dict(moments)}")  # noqa: T201
    assert result["confirmed"] > 0
