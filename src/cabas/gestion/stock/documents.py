"""Which page shows the document a movement comes from.

A movement names its document as a ``(document_type, document_id)`` pair of strings
(``("sale.ticket", "<uuid>")``, ``("purchasing.delivery", "42")``, ``("stock.count", "7")``).
Each app registers its types once, from its AppConfig.ready() (or its ``documents`` module)::

    from cabas.gestion.stock.documents import register_document_type
    register_document_type("sales.ticket", label=_("Ticket"), url_name="sales:ticket_detail",
                           url_kwarg="ticket_id")

An unregistered type, or a URL name that does not exist (yet), shows the label without a link.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class DocumentRef(NamedTuple):
    """The document a movement comes from."""

    type: str
    id: str


@dataclass(frozen=True)
class DocumentType:
    label: str | Promise
    url_name: str
    url_kwarg: str


_REGISTRY: dict[str, DocumentType] = {}


def register_document_type(
    document_type: str, *, label: str | Promise, url_name: str, url_kwarg: str = "pk"
) -> None:
    """Say which URL (taking the document id as ``url_kwarg``) shows documents of this type."""
    _REGISTRY[document_type] = DocumentType(label=label, url_name=url_name, url_kwarg=url_kwarg)


def document_label(document_type: str) -> str | Promise:
    entry = _REGISTRY.get(document_type)
    return entry.label if entry else document_type


def document_url(document_type: str, document_id: str) -> str | None:
    """The page of this document, or None when no page is registered for its type."""
    entry = _REGISTRY.get(document_type)
    if entry is None or not document_id:
        return None
    try:
        return reverse(entry.url_name, kwargs={entry.url_kwarg: document_id})
    except NoReverseMatch:
        return None


COUNT_DOCUMENT = "stock.count"
LOT_DOCUMENT = "stock.lot"

register_document_type(
    COUNT_DOCUMENT, label=_("Inventaire"), url_name="stock:count_detail", url_kwarg="count_id"
)
register_document_type(
    LOT_DOCUMENT, label=_("Lot"), url_name="stock:lot_detail", url_kwarg="lot_id"
)
