"""The setup a bundle downloaded from the *Caisse* page carries in its zip comment: the server's
address and the key of its packages, signed by the server at download time (the scheme is in
`cabas.protocol.packages`). The first-start window fills the address in from it; a download
whose setup was edited afterwards is refused."""

from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass
from pathlib import Path

from cabas.caisse.core.transport import check_server_url
from cabas.caisse.core.updater import decode_public_key
from cabas.protocol.packages import read_setup_comment


class SetupError(Exception):
    """The download's setup is there but cannot be trusted (French message)."""


@dataclass(frozen=True)
class Setup:
    server_url: str
    package_public_key: str | None
    store_name: str | None


def read_setup(archive: Path | None, setup_public_key: str | None) -> Setup | None:
    """The verified setup of `archive`, None when it has none (a technician's copy)."""
    if archive is None:
        return None
    try:
        with zipfile.ZipFile(archive) as opened:
            comment = opened.comment
    except (OSError, zipfile.BadZipFile):
        return None
    if not comment:
        return None
    if not setup_public_key:
        raise SetupError("Ce fichier de caisse ne peut pas vérifier ses réglages.")
    try:
        payload = read_setup_comment(comment, decode_public_key(setup_public_key))
        if payload is None:
            return None
        values = json.loads(payload.decode("utf-8"))
        server_url = str(values["server_url"]).rstrip("/")
        check_server_url(server_url)
        key = values.get("package_public_key") or None
        if key is not None:
            decode_public_key(str(key))
    except (ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
        raise SetupError(str(exc) or "Réglages illisibles.") from exc
    store = values.get("store_name")
    return Setup(server_url, key, str(store)[:200] if store else None)
