"""Joining a shop: the enrolment code a manager created on the *Caisse* page exchanges for this
till's token (`POST enroll`, docs/protocol.md), then the first synchronisation. Used by the
first-start window and by `cabas-caisse enroll`."""

from __future__ import annotations

import platform
from dataclasses import dataclass

from cabas.caisse.core.app import TillContext
from cabas.caisse.core.config import DataDir, TillConfig, load_config, save_config
from cabas.caisse.core.sync import SyncReport
from cabas.caisse.core.transport import HttpTransport, ServerRefused, TransportError
from cabas.caisse.core.updater import decode_public_key, shipped_public_key


class EnrolError(Exception):
    """Why the till could not join (French, for the person at the till)."""

    def __init__(self, message: str, *, kind: str) -> None:
        super().__init__(message)
        self.message = message
        self.kind = kind  # "already", "invalid", "refused", "unreachable"


@dataclass(frozen=True)
class Enrolled:
    config: TillConfig
    report: SyncReport


def default_till_name() -> str:
    return (platform.node() or "Caisse")[:100]


def normalise_code(code: str) -> str:
    """The code as the page shows it, whatever a person typed around it."""
    return "".join(code.split()).upper()


def enrol(
    data: DataDir,
    *,
    server: str,
    code: str,
    name: str | None = None,
    proxy: str | None = None,
    public_key: str | None = None,
    key_store: str = "auto",
    force: bool = False,
) -> Enrolled:
    """Enrol this till, save its configuration and synchronise once. Raises EnrolError."""
    data.ensure()
    existing = load_config(data)
    if existing is not None and not force:
        raise EnrolError(
            f"Cette caisse est déjà rattachée à « {existing.store.name} » ({existing.server_url}).",
            kind="already",
        )
    code = normalise_code(code)
    if not code:
        raise EnrolError("Tapez le code d'enrôlement donné par la gestion.", kind="invalid")
    name = (name or "").strip() or default_till_name()
    public_key = public_key or shipped_public_key()
    proxy = (proxy or "").strip() or None
    try:
        if public_key:
            decode_public_key(public_key)
        transport = HttpTransport(server, proxy=proxy)
        answer = transport.enroll(code, name)
    except ValueError as exc:
        raise EnrolError(str(exc), kind="invalid") from exc
    except ServerRefused as exc:
        raise EnrolError(f"Enrôlement refusé : {exc.message}", kind="refused") from exc
    except TransportError as exc:
        hint = "" if proxy else " Si l'épicerie passe par un proxy, indiquez son adresse."
        raise EnrolError(
            f"Serveur injoignable ({exc}). Vérifiez la connexion à internet.{hint}",
            kind="unreachable",
        ) from exc
    # The key the till trusts for updates: given, else shipped in this package, else the one
    # the server gives at enrolment (over the same HTTPS channel).
    config = TillConfig(
        server_url=server.rstrip("/"),
        device_id=answer.device_id,
        token=answer.token,
        till_name=name,
        store=answer.store,
        proxy=proxy,
        public_key=public_key or answer.package_public_key,
        key_store="file" if key_store == "file" else "auto",
    )
    save_config(data, config)
    ctx = TillContext.open(data.root)
    return Enrolled(config, ctx.agent().run_once())
