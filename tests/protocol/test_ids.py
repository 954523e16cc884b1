"""The till's ids: UUIDv7, unique, in the order they were made."""

from __future__ import annotations

import time
import uuid

from cabas.protocol.ids import new_id


def test_an_id_is_a_version_7_uuid_carrying_its_millisecond():
    now_ns = 1_796_184_000_123_456_789
    made = new_id(now_ns)
    assert made.version == 7
    assert made.variant == uuid.RFC_4122
    assert made.int >> 80 == now_ns // 1_000_000


def test_ids_follow_time_and_never_repeat():
    made = []
    for _ in range(50):
        made.extend(new_id() for _ in range(200))
        time.sleep(0.002)
    assert len(set(made)) == len(made)
    millis = [m.int >> 80 for m in made]
    assert millis == sorted(millis)
    # Ids of different milliseconds sort as their time does (the server's indexes grow at
    # their right edge).
    firsts = [m for n, m in enumerate(made) if n == 0 or millis[n] != millis[n - 1]]
    assert firsts == sorted(firsts)
