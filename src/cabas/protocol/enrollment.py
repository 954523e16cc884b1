"""`POST enroll`: a till joins a shop with a single-use code."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from cabas.protocol._base import NoNul, ReadModel, WriteModel


class EnrollRequest(WriteModel):
    """Body of `POST enroll`: the code printed by `cabas create_enrollment_code` and a name for
    this till (shown on the server's till page)."""

    code: Annotated[str, Field(min_length=1, max_length=64), NoNul]
    name: Annotated[str, Field(min_length=1, max_length=100), NoNul]


class StoreInfo(ReadModel):
    """The shop a till belongs to; `timezone` is an IANA name such as "Europe/Paris"."""

    slug: str
    name: str
    timezone: str
    # Whether the till refuses to sell outside an open cash session (the shop's setting).
    # Optional: added after the first draft of v1; an older server sends nothing and the
    # till then requires a session, an older till ignores it.
    cash_session_required: bool = True


class EnrollResponse(ReadModel):
    """201 answer of `POST enroll`. `token` goes in `Authorization: Bearer` from then on;
    `device_id` is opaque to the till."""

    device_id: str
    token: str
    store: StoreInfo
    # Base64 raw Ed25519 public key that signs till packages (`GET caisse/latest`); the till
    # keeps it to verify updates. Optional: added after the first draft of v1.
    package_public_key: str | None = None
