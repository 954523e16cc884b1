"""The network between the till and the server misbehaves (a proxy of our own on loopback):
answers lost after the server committed, answers later than the till's timeout, the network
cut for a while. The till keeps its tickets until it hears the server's answer and sends them
again; the server answers `duplicate` for those it has: nothing lost, nothing counted twice."""

from __future__ import annotations

import os
import random
import time
from pathlib import Path

from cabas.caisse.core.config import DataDir, load_config, save_config
from tests.faults.conftest import (
    FaultServer,
    assert_consistent,
    open_shop,
    paid_ids,
    size,
)
from tests.faults.killing import TillProcess
from tests.faults.proxy import CUT, DELAY, DROP_AFTER_ANSWER, PASS, ChaosProxy

TILL_TIMEOUT = 1.0  # seconds (`enroll --timeout`); the proxy's delay is beyond it


def set_timeout(folder: Path, seconds: float) -> None:
    data = DataDir(folder)
    config = load_config(data)
    assert config is not None
    save_config(data, config.model_copy(update={"timeout_seconds": seconds}))


def test_lost_answers_timeouts_and_outages_lose_and_duplicate_nothing(
    fault_server: FaultServer, tmp_path: Path
) -> None:
    seed = int(os.environ.get("CABAS_FAULTS_SEED", "9"))
    proxy = ChaosProxy(
        upstream_port=fault_server.port, delay_seconds=TILL_TIMEOUT * 1.5, seed=seed
    ).start()
    try:
        proxy.calm()  # enrolment through the proxy must succeed: the code is single-use
        shop = open_shop(
            fault_server, tmp_path, "network", tills=2, url=f"http://127.0.0.1:{proxy.port}"
        )
        for folder in shop.tills:
            set_timeout(folder, TILL_TIMEOUT)
        proxy.sequence = [PASS, DROP_AFTER_ANSWER, PASS, DELAY, DROP_AFTER_ANSWER]
        sales = size(6, 200)
        tills = [
            TillProcess.selling(folder, sales=sales, seed=n, pause=0.4)
            for n, folder in enumerate(shop.tills)
        ]
        rng = random.Random(seed)
        for till in tills:
            till.read_until("READY")
        proxy.outage(1.5)  # the first rounds of both tills meet a network cut
        outages = 1
        while any(till.process.poll() is None for till in tills):
            time.sleep(rng.uniform(1.0, 3.0))
            if rng.random() < 0.3:
                proxy.outage(rng.uniform(0.5, 1.5))
                outages += 1
        for till in tills:
            shop.confirmed |= paid_ids(till.finish())
        proxy.calm()
        proxy.outage(0)
        for folder in shop.tills:
            set_timeout(folder, 10.0)  # drain on a loaded machine without spurious timeouts
        result = assert_consistent(fault_server, shop)
    finally:
        proxy.stop()
    counts = dict(proxy.counts)
    print(f"network: {outages} outages, connections {counts}, {result}")
    assert result["confirmed"] == 2 * sales
    assert counts.get(DROP_AFTER_ANSWER, 0) > 0
    assert counts.get(DELAY, 0) > 0
    assert counts.get(CUT, 0) > 0
