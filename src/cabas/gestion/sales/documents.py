"""The sales documents that stock movements name (a ticket), and the page showing them."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from cabas.gestion.sales.models import DOCUMENT_TYPE
from cabas.gestion.stock.documents import register_document_type

register_document_type(
    DOCUMENT_TYPE, label=_("Ticket"), url_name="sales:ticket_detail", url_kwarg="ticket_id"
)
