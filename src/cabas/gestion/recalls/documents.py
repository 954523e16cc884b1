"""The recall a stock movement names (its removal of the recalled lots)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from cabas.gestion.stock.documents import register_document_type

RECALL_DOCUMENT = "recalls.recall"

register_document_type(
    RECALL_DOCUMENT, label=_("Rappel"), url_name="recalls:detail", url_kwarg="recall_id"
)
