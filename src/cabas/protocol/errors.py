"""The error shape of protocol v1, its table of codes, and French descriptions of validation
errors (pydantic's own messages are English)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any, get_args

from pydantic import BaseModel, ConfigDict, ValidationError
from pydantic_core.core_schema import ErrorType

# Machine code -> default French message. The one place where error codes are listed.
ERROR_CODES: dict[str, str] = {
    "invalid": "La requête est invalide.",
    "unauthorized": "Cette caisse n'est pas autorisée : jeton absent, inconnu ou révoqué.",
    "not_found": "Ressource introuvable.",
    "code_unknown": "Ce code d'enrôlement est inconnu.",
    "code_used": "Ce code d'enrôlement a déjà été utilisé.",
    "code_expired": "Ce code d'enrôlement a expiré.",
    "too_many_tickets": "Un envoi ne peut pas contenir plus de 100 tickets.",
    "id_conflict": "Cet identifiant a déjà été reçu avec un contenu différent.",
    "payload_too_large": "La requête est trop volumineuse.",
    "rate_limited": "Trop de requêtes : réessayez dans un instant.",
    "version_unsupported": "Cette version de la caisse n'est plus acceptée : mettez-la à jour.",
    "server_error": "Erreur interne du serveur.",
}

# Machine code -> HTTP status of a whole answer carrying it. `invalid` and `id_conflict` also
# appear inside the per-item results of a 200 answer (tickets, cash sessions).
ERROR_HTTP_STATUS: dict[str, int] = {
    "invalid": 400,
    "unauthorized": 401,
    "not_found": 404,
    "code_unknown": 400,
    "code_used": 400,
    "code_expired": 400,
    "too_many_tickets": 400,
    "id_conflict": 409,
    "payload_too_large": 413,
    "rate_limited": 429,
    "version_unsupported": 426,
    "server_error": 500,
}


class ErrorInfo(BaseModel):
    """One error: a machine code from ERROR_CODES, a French sentence, optional details."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    code: str
    message: str
    details: Any = None


class ErrorBody(BaseModel):
    """The body of every 4xx answer."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    error: ErrorInfo


def error_info(code: str, message: str | None = None, details: Any = None) -> ErrorInfo:
    """An ErrorInfo for a known code, with its default French message unless one is given."""
    if code not in ERROR_CODES:
        raise KeyError(f"unknown protocol error code: {code!r}")
    return ErrorInfo(code=code, message=message or ERROR_CODES[code], details=details)


def error_body(code: str, message: str | None = None, details: Any = None) -> ErrorBody:
    """The `{"error": {...}}` body for a known code."""
    return ErrorBody(error=error_info(code, message, details))


class PayloadInvalid(Exception):  # noqa: N818 - named after the protocol's `invalid` code
    """A payload that does not follow the protocol; carries what goes into ErrorInfo."""

    def __init__(self, message: str, details: Any = None, code: str = "invalid") -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details

    def error_info(self) -> ErrorInfo:
        return error_info(self.code, self.message, self.details)

    @classmethod
    def from_validation_error(cls, exc: ValidationError, what: str) -> PayloadInvalid:
        """`what` names the payload in French, e.g. "Ticket invalide"."""
        return cls(f"{what} : {describe_validation_error(exc)}", validation_error_details(exc))


_FRENCH_BY_TYPE: dict[str, str] = {
    "missing": "champ obligatoire absent",
    "extra_forbidden": "champ inconnu",
    "int_type": "un nombre entier est attendu",
    "int_parsing": "un nombre entier est attendu",
    "int_from_float": "un nombre entier est attendu",
    "string_type": "un texte est attendu",
    "string_too_short": "texte trop court (au moins {min_length} caractère(s))",
    "string_too_long": "texte trop long (au plus {max_length} caractères)",
    "string_pattern_mismatch": "format invalide",
    "too_short": "liste trop courte (au moins {min_length} élément(s))",
    "too_long": "liste trop longue (au plus {max_length} éléments)",
    "greater_than": "la valeur doit être supérieure à {gt}",
    "greater_than_equal": "la valeur doit être supérieure ou égale à {ge}",
    "less_than": "la valeur doit être inférieure à {lt}",
    "less_than_equal": "la valeur doit être inférieure ou égale à {le}",
    "literal_error": "valeur non autorisée (valeurs possibles : {expected})",
    "uuid_type": "identifiant UUID invalide",
    "uuid_parsing": "identifiant UUID invalide",
    "datetime_type": "date et heure ISO 8601 invalide",
    "datetime_parsing": "date et heure ISO 8601 invalide",
    "datetime_from_date_parsing": "date et heure ISO 8601 invalide",
    "timezone_aware": "la date et l'heure doivent indiquer leur décalage horaire (ex. +02:00)",
    "date_type": "date invalide (AAAA-MM-JJ attendu)",
    "date_parsing": "date invalide (AAAA-MM-JJ attendu)",
    "date_from_datetime_parsing": "date invalide (AAAA-MM-JJ attendu)",
    "model_type": "un objet JSON est attendu",
    "model_attributes_type": "un objet JSON est attendu",
    "dict_type": "un objet JSON est attendu",
    "list_type": "une liste est attendue",
    "bool_type": "vrai ou faux (true/false) est attendu",
    "bool_parsing": "vrai ou faux (true/false) est attendu",
    "json_invalid": "JSON invalide",
    "frozen_instance": "valeur non modifiable",
}

# List fields whose items are named in French when an error points into them.
_ITEM_NAMES: dict[str, str] = {
    "lines": "ligne",
    "payments": "paiement",
    "tickets": "ticket",
    "counted": "compté",
    "expected": "attendu",
}


# pydantic's own error types, to tell them from our custom errors whose messages are French.
_PYDANTIC_BUILTIN_TYPES: frozenset[str] = frozenset(get_args(ErrorType))


def french_error_message(error: Mapping[str, Any]) -> str:
    """French sentence for one entry of `ValidationError.errors()`."""
    error_type = str(error.get("type", ""))
    msg = str(error.get("msg", ""))
    if error_type in ("value_error", "assertion_error"):
        # A plain ValueError raised by a validator of ours: its text is French already.
        return msg.removeprefix("Value error, ").removeprefix("Assertion failed, ")
    template = _FRENCH_BY_TYPE.get(error_type)
    if template is None:
        return "valeur invalide" if error_type in _PYDANTIC_BUILTIN_TYPES else msg
    context = error.get("ctx") or {}
    try:
        return template.format(**{key: _ctx_text(value) for key, value in context.items()})
    except (KeyError, IndexError, ValueError):
        return template.split(" (")[0]


def _ctx_text(value: Any) -> str:
    return str(value).replace("'", "")


def _french_location(loc: Sequence[int | str]) -> str:
    parts: list[str] = []
    previous: int | str | None = None
    for part in loc:
        if isinstance(part, int):
            item = _ITEM_NAMES.get(str(previous), "élément")
            parts.append(f"{item} {part + 1}")  # people count from 1
            if parts[-2:-1] == [str(previous)]:
                del parts[-2]
        else:
            parts.append(str(part))
        previous = part
    return ", ".join(parts)


def describe_validation_error(exc: ValidationError, limit: int = 3) -> str:
    """A French sentence summing up a ValidationError: its first errors, then a count."""
    errors = exc.errors(include_url=False)
    sentences = []
    for error in errors[:limit]:
        where = _french_location(error.get("loc", ()))
        what = french_error_message(error)
        sentences.append(f"{where} : {what}" if where else what)
    text = " ; ".join(sentence.rstrip(".") for sentence in sentences)
    if len(errors) > limit:
        text += f" (et {len(errors) - limit} autre(s) erreur(s))"
    return text + "."


def validation_error_details(exc: ValidationError) -> dict[str, Any]:
    """JSON-serialisable details of a ValidationError, for ErrorInfo.details.

    The rejected values themselves are left out: the server keeps the whole raw payload anyway.
    """
    raw_errors = json.loads(exc.json(include_url=False, include_input=False))
    errors = []
    for raw, error in zip(raw_errors, exc.errors(include_url=False), strict=True):
        entry: dict[str, Any] = {
            "loc": raw["loc"],
            "type": raw["type"],
            "message": french_error_message(error),
        }
        if raw.get("ctx"):
            entry["ctx"] = raw["ctx"]
        errors.append(entry)
    return {"errors": errors}
