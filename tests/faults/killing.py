"""The SIGKILL harness shared by the fault harness and the till's live-server tests: start a
till process, kill it (SIGKILL, no chance to clean up) at a random moment, again and again,
and keep what it printed before it died."""

from __future__ import annotations

import random
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from tests.faults.conftest import ROOT, base_env, till_command


@dataclass
class TillProcess:
    """A till process in the background, its stdout and stderr in one pipe, read as text."""

    process: subprocess.Popen[str]
    lines: list[str] = field(default_factory=list)

    @classmethod
    def start(cls, command: list[str]) -> TillProcess:
        process = subprocess.Popen(
            command,
            env=base_env(),
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        return cls(process)

    @classmethod
    def tillproc(cls, *args: str) -> TillProcess:
        """`python -m tests.faults.tillproc ARGS…` (see tillproc's docstring)."""
        return cls.start(till_command(*args))

    @classmethod
    def selling(cls, folder: Path, *, sales: int, seed: int, pause: float = 0.0) -> TillProcess:
        """A till selling `sales` baskets (one every `pause` seconds on average), syncing
        after each."""
        return cls.tillproc(
            "run",
            "--dir",
            str(folder),
            "--sales",
            str(sales),
            "--seed",
            str(seed),
            "--pause",
            str(pause),
        )

    def read_until(self, prefix: str, count: int = 1) -> None:
        """Read lines until `count` of them start with `prefix`."""
        assert self.process.stdout is not None
        while sum(line.startswith(prefix) for line in self.lines) < count:
            line = self.process.stdout.readline()
            assert line, f"the till stopped before {count} × {prefix!r}: " + "".join(self.lines)
            self.lines.append(line)

    def kill(self) -> bool:
        """SIGKILL now; True if it was still running."""
        if self.process.poll() is not None:
            return False
        self.process.send_signal(signal.SIGKILL)
        return True

    def finish(self, *, check: bool = True, timeout: float = 600) -> str:
        """Everything it printed, once it has ended. The rest is read through the same text
        stream as read_until (its buffer may already hold some lines)."""
        assert self.process.stdout is not None
        self.lines.append(self.process.stdout.read())
        code = self.process.wait(timeout=timeout)
        out = "".join(self.lines)
        assert not check or code == 0, out[-3000:]
        return out


@dataclass
class Killings:
    trials: int = 0
    kills: int = 0
    outputs: list[str] = field(default_factory=list)
    moments: Counter[str] = field(default_factory=Counter)
    """What each process had printed last when it died ("after PAID", "finished"…)."""


def kill_at_random_moments(
    start: Callable[[int], TillProcess],
    *,
    trials: int,
    rng: random.Random,
    pause: tuple[float, float],
    ready: str | None = None,
    before: Callable[[int], object] | None = None,
) -> Killings:
    """`trials` times: `before(trial)`, start the process (and wait for its `ready` line), let
    it run for a random time within `pause`, SIGKILL it if it has not finished."""
    killings = Killings()
    for trial in range(trials):
        if before is not None:
            before(trial)
        till = start(trial)
        if ready is not None:
            till.read_until(ready)
        time.sleep(rng.uniform(*pause))
        killings.kills += till.kill()
        out = till.finish(check=False, timeout=30)
        lines = out.splitlines()
        last = lines[-1].split()[0] if lines and lines[-1].split() else "start"
        killings.moments["finished" if last == "DONE" else f"after {last}"] += 1
        killings.outputs.append(out)
        killings.trials += 1
    return killings
