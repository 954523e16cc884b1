"""The collection round a stock movement (a donated lot) comes from."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from cabas.gestion.stock.documents import register_document_type

COLLECTION_DOCUMENT = "pickups.collection"

register_document_type(
    COLLECTION_DOCUMENT,
    label=_("Ramasse"),
    url_name="pickups:collection_detail",
    url_kwarg="collection_id",
)
