"""The TCP proxy on loopback that misbehaves on purpose (asyncio, in a thread of the test),
between a till and the real server, for the fault harness and the till's live-server tests.

Per connection, it chooses (from a seeded generator, a fixed sequence, or the one `mode` a
test forces) to pass the exchange through, to let the request reach the server and then drop
the connection once the server has answered (the server committed, the till never hears it),
to hold the answer longer than the till's timeout, to cut the connection at once (the network
is down), or to flip the last bytes of a till package download (a tampered update).
`outage(seconds)` cuts the network: every connection is closed at once for a while.
"""

from __future__ import annotations

import asyncio
import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

PASS = "pass"
DROP_AFTER_ANSWER = "drop_after_answer"
DELAY = "delay"
CUT = "cut"
TAMPER = "tamper"  # a .pyz download arrives with its last 10 bytes changed


@dataclass
class ChaosProxy:
    upstream_port: int
    delay_seconds: float = 0.0
    weights: dict[str, float] = field(
        default_factory=lambda: {PASS: 0.45, DROP_AFTER_ANSWER: 0.35, DELAY: 0.2}
    )
    seed: int = 0
    # When set, connections take these modes in turn (every fault surely happens), else random.
    sequence: list[str] = field(default_factory=list)
    # When set, every connection takes this mode (a test playing one situation at a time).
    mode: str | None = None
    port: int = 0
    counts: Counter[str] = field(default_factory=Counter)
    requests: list[bytes] = field(default_factory=list)
    """The request line of every connection that reached the server."""
    _cut_until: float = 0.0
    _turn: int = -1
    _loop: asyncio.AbstractEventLoop | None = None
    _thread: threading.Thread | None = None
    _ready: threading.Event = field(default_factory=threading.Event)
    _server: asyncio.Server | None = None

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)

    # -- control from the test's thread -------------------------------------------------------
    def start(self) -> ChaosProxy:
        self._thread = threading.Thread(target=self._run, name="chaos-proxy", daemon=True)
        self._thread.start()
        assert self._ready.wait(10)
        return self

    def stop(self) -> None:
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(10)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def outage(self, seconds: float) -> None:
        self._cut_until = time.monotonic() + seconds

    def calm(self) -> None:
        """Pass everything from now on."""
        self.weights = {PASS: 1.0}
        self.sequence = []
        self.mode = None

    # -- the proxy ---------------------------------------------------------------------------
    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        self._loop = loop
        self._server = loop.run_until_complete(
            asyncio.start_server(self._handle, "127.0.0.1", self.port)
        )
        self.port = self._server.sockets[0].getsockname()[1]
        self._ready.set()
        try:
            loop.run_forever()
        finally:
            self._server.close()
            # Connections still open (a till killed mid-request) end here, not in a closed loop.
            pending = asyncio.all_tasks(loop)
            for task in pending:
                task.cancel()
            if pending:
                loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            loop.close()

    def _choose(self) -> str:
        if time.monotonic() < self._cut_until:
            return CUT
        if self.mode is not None:
            return self.mode
        if self.sequence:
            self._turn += 1
            return self.sequence[self._turn % len(self.sequence)]
        modes = list(self.weights)
        return self._rng.choices(modes, weights=[self.weights[m] for m in modes])[0]

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        mode = self._choose()
        self.counts[mode] += 1
        try:
            if mode == CUT:
                return
            request_line = await reader.readline()
            if not request_line:
                return
            self.requests.append(request_line.rstrip())
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.upstream_port)
            try:
                up_writer.write(request_line)
                pump = asyncio.create_task(self._pump(reader, up_writer))
                answer = bytearray()
                while chunk := await up_reader.read(65536):
                    if mode == PASS:
                        writer.write(chunk)
                        await writer.drain()
                    else:
                        answer += chunk
                    if time.monotonic() < self._cut_until:
                        return  # the network went down in the middle of the answer
                pump.cancel()
                if mode == DELAY:
                    await asyncio.sleep(self.delay_seconds)
                if mode == TAMPER and b".pyz" in request_line:
                    answer[-10:] = bytes(b ^ 0xFF for b in answer[-10:])
                if mode in (DELAY, TAMPER):
                    writer.write(bytes(answer))
                    await writer.drain()
                # DROP_AFTER_ANSWER: the server answered (and committed); the till gets nothing.
            finally:
                up_writer.close()
        except (ConnectionError, OSError):
            pass
        finally:
            writer.close()

    @staticmethod
    async def _pump(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while chunk := await reader.read(65536):
                writer.write(chunk)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
