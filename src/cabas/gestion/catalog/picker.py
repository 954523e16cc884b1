"""The product picker: the shop's products found by name, brand or barcode (the JSON the
picker's script asks for), and the form field that turns what was picked or typed into one
product of the shop, never another shop's."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.http import HttpResponse, JsonResponse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from cabas.gestion.catalog.models import Product, Unit
from cabas.gestion.catalog.selectors import product_find_by_barcode
from cabas.gestion.catalog.services import search_key
from cabas.gestion.core.forms import parse_pk
from cabas.gestion.core.widgets import ProductPicker
from cabas.gestion.stores.decorators import StoreRequest, store_view
from cabas.gestion.stores.models import Store
from cabas.gestion.stores.permissions import Perm

RESULTS = 20
# Longer than any name search a person types, as long as the longest code (GS1 128 aside).
MAX_QUERY = 60
# A run of digits this long is a barcode (EAN-8 and longer), never a name.
BARCODE_MIN_DIGITS = 8
# Typed text that fits more products than this is refused as too vague, whatever the count.
SHOWN = 50


def picker_label(product: Product) -> str:
    return str(product)


def _digits(text: str) -> str:
    compact = "".join(text.split())
    return compact if compact.isdigit() else ""


def _words(text: str) -> str:
    """The search key of typed text; a label's brackets ("Name (Brand)") left out."""
    return search_key(text.replace("(", " ").replace(")", " "))


def _by_name(products: QuerySet[Product], text: str) -> QuerySet[Product]:
    for word in _words(text).split():
        products = products.filter(search_text__contains=word)
    return products


def _by_barcode(store: Store, products: QuerySet[Product], code: str) -> Product | None:
    match = product_find_by_barcode(store, code)
    return products.filter(pk=match.product.pk).first() if match else None


def picker_search(
    store: Store, query: str, products: QuerySet[Product] | None = None
) -> dict[str, Any]:
    """What the picker shows for ``query``: up to RESULTS products of the shop (name and brand
    words, or an exact barcode), and ``exact``, the id a scanned barcode designates."""
    products = _active(store) if products is None else products.filter(store=store)
    query = query.strip()[:MAX_QUERY]
    exact: Product | None = None
    found: list[Product] = []
    if query:
        digits = _digits(query)
        if digits:
            exact = _by_barcode(store, products, digits)
        if exact is not None:
            found = [exact]
        elif len(digits) < BARCODE_MIN_DIGITS:
            found = list(_by_name(products, query).select_related("category")[: RESULTS + 1])
    return {
        "query": query,
        "exact": exact.pk if exact else None,
        "more": len(found) > RESULTS,
        "results": [
            {"id": product.pk, "label": picker_label(product), "detail": _detail(product)}
            for product in found[:RESULTS]
        ],
    }


def _detail(product: Product) -> str:
    parts = [product.category.name]
    if product.unit == Unit.KG:
        parts.append(gettext("au kg"))
    return " · ".join(parts)


def _active(store: Store) -> QuerySet[Product]:
    return Product.objects.filter(store=store, active=True).order_by("name", "id")


@store_view(Perm.CATALOG_VIEW)
@require_GET
def product_picker(request: StoreRequest) -> HttpResponse:
    """GET ?q=: the current shop's active products for the picker (JSON)."""
    return JsonResponse(picker_search(request.store, request.GET.get("q", "")))


class ProductPickerField(forms.Field):
    """A product of the shop, chosen in the picker or typed (name, brand or barcode).

    The form calls :meth:`limit_to` with its shop (and, if it wants, a narrower queryset of
    that shop's products): an id of anything else is refused, in French.
    """

    widget = ProductPicker
    default_error_messages = {
        "required": _("Indiquez le produit."),
        "unknown": _("Ce produit n'est pas dans la liste : choisissez-en un autre."),
        "unknown_code": _("Aucun produit de l'épicerie n'a ce code-barres."),
        "not_found": _("Aucun produit ne correspond à « %(text)s »."),
        "ambiguous": _(
            "%(count)s produits correspondent à « %(text)s » : précisez, par exemple %(names)s."
        ),
        "ambiguous_many": _(
            "Plus de %(count)s produits correspondent à « %(text)s » : précisez, par exemple "
            "%(names)s."
        ),
    }

    def __init__(
        self, *, text_name: str = "", attrs: dict[str, Any] | None = None, **kwargs: Any
    ) -> None:
        kwargs.setdefault("widget", ProductPicker(attrs, text_name=text_name))
        super().__init__(**kwargs)
        self.store: Store | None = None
        self.queryset: QuerySet[Product] = Product.objects.none()

    def limit_to(self, store: Store, queryset: QuerySet[Product] | None = None) -> None:
        self.store = store
        self.queryset = _active(store) if queryset is None else queryset.filter(store=store)

    def prepare_value(self, value: Any) -> Any:
        """An initial id becomes its product, for the widget to show its name."""
        pk = parse_pk(value)
        if pk is not None:
            return self.queryset.filter(pk=pk).first() or ""
        return value

    def to_python(self, value: Any) -> Product | None:
        if isinstance(value, Product):
            return value
        picked, text = value if isinstance(value, tuple) else (str(value or ""), "")
        text = " ".join(text.split())[:MAX_QUERY]
        if picked:
            pk = parse_pk(picked)
            product = self.queryset.filter(pk=pk).first() if pk is not None else None
            if product is None:
                raise forms.ValidationError(self.error_messages["unknown"], code="unknown")
            if not text or text == picker_label(product):
                return product
            # The text was changed after the choice (without the script): the text decides.
        return self._from_text(text) if text else None

    def _from_text(self, text: str) -> Product:
        digits = _digits(text)
        if digits and self.store is not None:
            product = _by_barcode(self.store, self.queryset, digits)
            if product is not None:
                return product
        if len(digits) >= BARCODE_MIN_DIGITS:
            candidates = []
        else:
            # The full label, or the name with its brand, typed out picks its one product
            # among those whose names are longer.
            same = Q(search_text=_words(text)) | Q(name__iexact=text)
            exact = list(self.queryset.filter(same)[:2])
            found = exact if len(exact) == 1 else _by_name(self.queryset, text)[: SHOWN + 1]
            candidates = list(found)
        if len(candidates) == 1:
            return candidates[0]
        if not candidates:
            code = "unknown_code" if digits else "not_found"
            raise forms.ValidationError(self.error_messages[code], code=code, params={"text": text})
        code = "ambiguous_many" if len(candidates) > SHOWN else "ambiguous"
        raise forms.ValidationError(
            self.error_messages[code],
            code=code,
            params={
                "count": min(len(candidates), SHOWN),
                "text": text,
                "names": ", ".join(f"« {picker_label(p)} »" for p in candidates[:3]),
            },
        )

    def has_changed(self, initial: Any, data: Any) -> bool:
        initial_id = str(getattr(initial, "pk", initial) or "")
        try:
            product = self.to_python(data)
        except forms.ValidationError:
            return True
        return str(product.pk if product else "") != initial_id
