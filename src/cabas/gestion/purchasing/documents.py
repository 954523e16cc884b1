"""The documents of purchasing that stock movements and lots name, and the pages showing them."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from cabas.gestion.stock.documents import register_document_type

DELIVERY_DOCUMENT = "purchasing.delivery"

register_document_type(
    DELIVERY_DOCUMENT,
    label=_("Livraison"),
    url_name="purchasing:delivery_detail",
    url_kwarg="delivery_id",
)
