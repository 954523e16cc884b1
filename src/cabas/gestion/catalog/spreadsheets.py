"""Products as spreadsheets: the export (CSV and XLSX) and the importer of products, which
says line by line, in French, what a file would create or change and what is wrong with it.

The import accepts the export's own format, so that a shop can export, edit in a spreadsheet
program and import back. Reading the file, the preview, the confirmation and the limits are
the shared ones of ``cabas.gestion.imports``.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from django.core.exceptions import ValidationError

from cabas.gestion.accounts.models import User
from cabas.gestion.catalog.models import (
    Barcode,
    Category,
    Origin,
    Product,
    QualityTag,
    Unit,
    VatRate,
    tags_text,
)
from cabas.gestion.catalog.parsing import format_amount, format_percent, parse_euros, parse_percent
from cabas.gestion.catalog.services import barcode_kind_of, search_key
from cabas.gestion.core.forms import parse_pk
from cabas.gestion.imports import Importer
from cabas.gestion.stores.models import Store
from cabas.rules import barcodes as barcode_rules
from cabas.rules.money import format_euros
from cabas.rules.pricing import PROGRAMME_ORIGINS, format_rate, programme_origin
from cabas.rules.quantities import stored_quantity, typed_quantity
from cabas.rules.weights import parse_net_weight

MAX_CELL_CHARS = 500
"""Narrower than the shared limit: no product field is longer."""

COLUMNS = [
    "reference",
    "nom",
    "marque",
    "rayon",
    "sous_rayon",
    "unite",
    "prix",
    "cout",
    "tva",
    "provenance",
    "programme",
    "taux_participation",
    "stock_min",
    "stock_max",
    "actif",
    "codes_barres",
    "stock",
    "poids_net_g",
    "etiquettes",
]
REQUIRED_COLUMNS = ("nom", "rayon", "prix")
# "stock" is export-only: the stock level is the ledger's, the importer never reads it.

ORIGIN_WORDS = {
    "achat": Origin.PURCHASE,
    "purchase": Origin.PURCHASE,
    "banque alimentaire": Origin.FOOD_BANK,
    "food_bank": Origin.FOOD_BANK,
    "aide européenne": Origin.EU_AID,
    "aide europeenne": Origin.EU_AID,
    "fse+": Origin.EU_AID,
    "eu_aid": Origin.EU_AID,
    "programme": Origin.PROGRAMME,
    "programme d'aide": Origin.PROGRAMME,
    "programme national": Origin.PROGRAMME,
    "ramasse": Origin.SUPERMARKET,
    "supermarket": Origin.SUPERMARKET,
    "collecte": Origin.COLLECTION,
    "collection": Origin.COLLECTION,
    "don": Origin.DONATION,
    "autre don": Origin.DONATION,
    "donation": Origin.DONATION,
}
ORIGIN_EXPORT = {
    Origin.PURCHASE: "achat",
    Origin.FOOD_BANK: "banque alimentaire",
    Origin.EU_AID: "aide européenne",
    Origin.PROGRAMME: "programme",
    Origin.SUPERMARKET: "ramasse",
    Origin.COLLECTION: "collecte",
    Origin.DONATION: "don",
}
TAG_WORDS = {
    "fruits et légumes": QualityTag.FRUIT_VEG,
    "fruits et legumes": QualityTag.FRUIT_VEG,
    "fruits_legumes": QualityTag.FRUIT_VEG,
    "légumineuses": QualityTag.PULSES,
    "legumineuses": QualityTag.PULSES,
    "egalim": QualityTag.EGALIM,
    "label": QualityTag.EGALIM,
    "sous label": QualityTag.EGALIM,
}
TAG_EXPORT = {
    QualityTag.FRUIT_VEG: "fruits et légumes",
    QualityTag.PULSES: "légumineuses",
    QualityTag.EGALIM: "egalim",
}


def parse_tags(text: str) -> str:
    """``"fruits et légumes, egalim"`` → the stored tags text; ValueError (French) else."""
    found: list[str] = []
    for part in re.split(r"[,;|/]", text):
        word = " ".join(part.split()).casefold()
        if not word:
            continue
        tag = TAG_WORDS.get(word)
        if tag is not None:
            found.append(tag)
            continue
        for code in word.split():  # codes separated by spaces: "egalim legumineuses"
            if code not in TAG_WORDS:
                raise ValueError(
                    f"Étiquette « {part.strip()} » inconnue : fruits et légumes, "
                    "légumineuses ou egalim."
                )
            found.append(TAG_WORDS[code])
    return tags_text(found)


UNIT_WORDS = {
    "piece": Unit.PIECE,
    "pièce": Unit.PIECE,
    "pc": Unit.PIECE,
    "u": Unit.PIECE,
    "unite": Unit.PIECE,
    "unité": Unit.PIECE,
    "kg": Unit.KG,
    "kilo": Unit.KG,
    "au kilo": Unit.KG,
}
YES = {"oui", "o", "1", "vrai", "true", "yes", "actif"}
NO = {"non", "n", "0", "faux", "false", "no", "archivé", "archive"}
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


# --- export -------------------------------------------------------------------------------


def neutralise(value: Any) -> Any:
    """A text cell that a spreadsheet program would run as a formula gets a leading quote."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def export_rows(store: Store, *, numbers: bool) -> Iterator[list[Any]]:
    """Every product of the shop, archived ones too, in the import's format.

    With ``numbers`` (XLSX) amounts are numbers, else French decimal text ("1,35").
    """
    products = (
        Product.objects.filter(store=store)
        .select_related("category", "category__parent")
        .prefetch_related("barcodes")
        .order_by("pk")
    )
    for product in products.iterator(chunk_size=1000):
        category = product.category
        rayon, sous_rayon = (
            (category.parent.name, category.name) if category.parent else (category.name, "")
        )

        def amount(cents: int | None) -> Any:
            if cents is None:
                return ""
            return cents / 100 if numbers else format_amount(cents)

        def quantity(stored: int | None, unit: str = product.unit) -> Any:
            # Kilos for a weighed product, as a person types them in the form and the import.
            if stored is None:
                return ""
            if unit != Unit.KG:
                return stored
            return stored / 1000 if numbers else typed_quantity(stored, unit)

        def percent(bp: int | None) -> Any:
            if bp is None:
                return ""
            return bp / 100 if numbers else format_percent(bp)

        row = [
            product.pk,
            product.name,
            product.brand,
            rayon,
            sous_rayon,
            product.unit,
            amount(product.price_cents),
            amount(product.cost_cents),
            percent(product.vat_rate_bp),
            ORIGIN_EXPORT.get(Origin(product.origin), product.origin),
            product.programme,
            percent(product.rate_bp),
            quantity(product.min_stock),
            quantity(product.max_stock),
            "oui" if product.active else "non",
            " ".join(barcode.code for barcode in product.barcodes.all()),
            quantity(product.stock_qty),
            "" if product.net_weight_g is None else product.net_weight_g,
            ", ".join(TAG_EXPORT.get(QualityTag(t), t) for t in product.tag_list),
        ]
        yield [neutralise(value) for value in row]


def export_csv(store: Store) -> bytes:
    """UTF-8 with a BOM and semicolons: what French spreadsheet programs open directly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(COLUMNS)
    writer.writerows(export_rows(store, numbers=False))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def export_xlsx(store: Store) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Produits")
    sheet.append(COLUMNS)
    for row in export_rows(store, numbers=True):
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- import ------------------------------------------------------------------------------


COLUMN_ALIASES = {
    "id": "reference",
    "ref": "reference",
    "nom_du_produit": "nom",
    "produit": "nom",
    "sousrayon": "sous_rayon",
    "prix_plein": "prix",
    "prix_de_vente": "prix",
    "cout_d_achat": "cout",
    "cout_achat": "cout",
    "taux": "taux_participation",
    "code_barres": "codes_barres",
    "code_barre": "codes_barres",
    "codes_barre": "codes_barres",
    "ean": "codes_barres",
}


def _unquote(text: str) -> str:
    """Undo the export's formula neutralisation ("'=x" → "=x")."""
    text = text.strip()
    if len(text) > 1 and text[0] == "'" and text[1] in "=+-@":
        return text[1:]
    return text


def _split_codes(text: str) -> list[str]:
    return [code for code in text.replace(",", " ").replace(";", " ").split() if code]


def _numeric_code(code: str) -> str:
    """A code a spreadsheet turned into a number lost its leading zeros: put them back."""
    if code.isdigit() and len(code) < 13 and not barcode_rules.is_valid_gtin(code):
        for width in (8, 12, 13):
            padded = code.zfill(width)
            if len(padded) == width and barcode_rules.is_valid_gtin(padded):
                return padded
    return code


def _quantity_or_none(text: str, unit: str, what: str, errors: list[str]) -> int | None:
    """Pieces, or kilos of a weighed product (stored as grams), as :mod:`cabas.rules.quantities`
    reads them."""
    if not text:
        return None
    try:
        value = stored_quantity(text, unit)
    except ValueError as error:
        errors.append(f"{what} « {text} » : {error}")
        return None
    if value < 0:
        errors.append(f"{what} « {text} » doit être positif.")
        return None
    return value


CHANGE_LABELS = {"active": "actif", "barcodes": "codes-barres"}


def change_label(field_name: str) -> str:
    """The French name of a product field, for the preview ("price_cents" → "prix plein")."""
    if field_name in CHANGE_LABELS:
        return CHANGE_LABELS[field_name]
    return str(getattr(Product._meta.get_field(field_name), "verbose_name", field_name))


def _display(field_name: str, value: Any) -> str:
    if value is None or value == "":
        return "—"
    if field_name in ("price_cents", "cost_cents"):
        return format_euros(value)
    if field_name in ("vat_rate_bp", "rate_bp"):
        return format_rate(value)
    if field_name == "unit":
        return str(Unit(value).label)
    if field_name == "origin":
        return str(Origin(value).label)
    if field_name == "net_weight_g":
        return f"{value} g"
    if field_name == "tags":
        return ", ".join(TAG_EXPORT.get(QualityTag(t), t) for t in str(value).split())
    return str(value)


def _cell(row: Mapping[str, str], column: str) -> str:
    return _unquote(row.get(column, ""))


@dataclass
class ProductImporter(Importer):
    """Products from the export's own format; a line names its product by reference (the id
    in Cabas), else by one of its barcodes, else it is a new product."""

    store: Store
    actor: User | None
    name: ClassVar[str] = "products"
    columns: ClassVar[Mapping[str, Any]] = dict.fromkeys(COLUMNS, "")
    required: ClassVar[Sequence[str]] = REQUIRED_COLUMNS
    aliases: ClassVar[Mapping[str, str]] = COLUMN_ALIASES
    max_cell_chars: ClassVar[int] = MAX_CELL_CHARS
    audit_action: ClassVar[str] = "catalog.products_imported"

    def label(self, row: Mapping[str, str], cleaned: dict[str, Any] | None) -> str:
        # A line that changes a product names it as the catalogue shows it: two products may
        # share a name ("Spaghetti 500 g" of two brands).
        if cleaned and cleaned["product"] is not None:
            product = cleaned["product"]
            brand = f" · {product.brand}" if product.brand else ""
            return f"{product.name}{brand} (n° {product.pk})"
        return " ".join(_cell(row, "nom").split())

    def prepare(self, rows: list[dict[str, str]]) -> dict[str, Any]:
        """The shop's categories, the products the file names and the owners of its barcodes,
        read once for the whole file (a handful of queries)."""
        store = self.store
        categories = list(Category.objects.filter(store=store).select_related("parent"))
        references = {_cell(row, "reference") for row in rows} - {""}
        ref_ids = {pk for pk in map(parse_pk, references) if pk is not None}
        products = {
            p.pk: p
            for p in Product.objects.filter(store=store, pk__in=ref_ids)
            .select_related("category", "category__parent")
            .prefetch_related("barcodes")
        }
        all_codes = {
            barcode_rules.normalize(_numeric_code(code))
            for row in rows
            for code in _split_codes(_cell(row, "codes_barres"))
        }
        owners = dict(
            Barcode.objects.filter(store=store, code__in=all_codes).values_list(
                "code", "product_id"
            )
        )
        return {
            "rayons": {search_key(c.name): c for c in categories if c.parent_id is None},
            "sous_rayons": {
                (c.parent_id, search_key(c.name)): c for c in categories if c.parent_id is not None
            },
            "products": products,
            "owners": owners,
            "layout": [],
            "seen_refs": {},
            "seen_codes": {},
        }

    def _layout(self, context: dict[str, Any]) -> barcode_rules.ScaleLayout:
        if not context["layout"]:
            from cabas.gestion.catalog.selectors import scale_layout_for

            context["layout"].append(scale_layout_for(self.store))
        layout: barcode_rules.ScaleLayout = context["layout"][0]
        return layout

    def validate(self, row: Mapping[str, str], context: dict[str, Any]) -> dict[str, Any]:
        """Judge one line against the shop's catalogue as it is now."""
        line_number = context["line"]
        products: dict[int, Product] = context["products"]
        owners: dict[str, int] = context["owners"]
        seen_refs: dict[int, int] = context["seen_refs"]
        seen_codes: dict[str, int] = context["seen_codes"]
        errors: list[str] = []
        values: dict[str, Any] = {}
        active: bool | None = None

        name = " ".join(_cell(row, "nom").split())
        if not name:
            errors.append("Le nom du produit est vide.")
        elif len(name) > 120:
            errors.append("Le nom dépasse 120 caractères.")
        values["name"] = name
        if "marque" in row:
            brand = " ".join(_cell(row, "marque").split())
            if len(brand) > 80:
                errors.append("La marque dépasse 80 caractères.")
            values["brand"] = brand

        # Category: the rayon, and the sous-rayon if given, must exist in the shop.
        rayon_name, sous_name = _cell(row, "rayon"), _cell(row, "sous_rayon")
        rayon = context["rayons"].get(search_key(rayon_name))
        if not rayon_name:
            errors.append("Le rayon est vide.")
        elif rayon is None:
            errors.append(f"Rayon inconnu : « {rayon_name} ». Créez-le d'abord dans Rayons.")
        elif sous_name:
            category = context["sous_rayons"].get((rayon.pk, search_key(sous_name)))
            if category is None:
                errors.append(f"Sous-rayon inconnu : « {sous_name} » dans « {rayon.name} ».")
            else:
                values["category"] = category
        else:
            values["category"] = rayon

        try:
            values["price_cents"] = parse_euros(_cell(row, "prix"))
        except ValueError as error:
            errors.append(f"Prix : {error}")
        if "cout" in row:
            text = _cell(row, "cout")
            try:
                values["cost_cents"] = parse_euros(text) if text else 0
            except ValueError as error:
                errors.append(f"Coût : {error}")
        if "unite" in row:
            text = _cell(row, "unite")
            unit = UNIT_WORDS.get(text.casefold()) if text else Unit.PIECE
            if unit is None:
                errors.append(f"Unité « {text} » inconnue : « piece » ou « kg ».")
            else:
                values["unit"] = unit
        if _cell(row, "tva"):
            text = _cell(row, "tva")
            try:
                vat = parse_percent(text)
            except ValueError as error:
                errors.append(f"TVA : {error}")
            else:
                if vat not in VatRate.values:
                    errors.append(f"TVA « {text} » : taux possibles 0 ; 2,1 ; 5,5 ; 10 ; 20.")
                else:
                    values["vat_rate_bp"] = vat
        if "provenance" in row:
            text = _cell(row, "provenance")
            origin = ORIGIN_WORDS.get(text.casefold()) if text else Origin.PURCHASE
            if origin is None:
                errors.append(
                    f"Provenance « {text} » inconnue : achat, banque alimentaire, "
                    "aide européenne, programme, ramasse, collecte ou don."
                )
            else:
                values["origin"] = origin
        if "programme" in row:
            programme = _cell(row, "programme")
            if len(programme) > 20:
                errors.append("Le code du programme dépasse 20 caractères.")
            values["programme"] = programme
        if "taux_participation" in row:
            text = _cell(row, "taux_participation")
            try:
                values["rate_bp"] = parse_percent(text) if text else None
            except ValueError as error:
                errors.append(f"Taux de participation : {error}")
        if "poids_net_g" in row:
            try:
                values["net_weight_g"] = parse_net_weight(_cell(row, "poids_net_g"))
            except ValueError as error:
                errors.append(str(error))
        if "etiquettes" in row:
            try:
                values["tags"] = parse_tags(_cell(row, "etiquettes"))
            except ValueError as error:
                errors.append(str(error))
        # Stock bounds are typed like in the form (pieces, or kilos for a weighed product):
        # converted below, once the product and so its unit are known.
        typed_bounds: dict[str, tuple[str, str]] = {}
        for column, field_name, what in (
            ("stock_min", "min_stock", "Le stock minimum"),
            ("stock_max", "max_stock", "Le stock maximum"),
        ):
            if column in row:
                typed_bounds[field_name] = (_cell(row, column), what)
        if _cell(row, "actif"):
            text = _cell(row, "actif").casefold()
            if text in YES:
                active = True
            elif text in NO:
                active = False
            else:
                errors.append(f"Actif « {_cell(row, 'actif')} » : « oui » ou « non ».")

        # Which product: the reference if given, else one of its barcodes, else a new one.
        product: Product | None = None
        reference = _cell(row, "reference")
        if reference:
            ref_id = parse_pk(reference)
            product = products.get(ref_id) if ref_id is not None else None
            if product is None:
                errors.append(f"Référence « {reference} » : aucun produit de l'épicerie.")
            elif ref_id in seen_refs:
                errors.append(f"La référence {reference} figure déjà ligne {seen_refs[ref_id]}.")
            else:
                seen_refs[product.pk] = line_number
        codes: list[str] = []
        for raw in _split_codes(_cell(row, "codes_barres")):
            code = barcode_rules.normalize(_numeric_code(raw))
            try:
                barcode_kind_of(code, self._layout(context))
            except Exception as error:  # noqa: BLE001 - ValidationError with a French message
                messages = getattr(error, "messages", [str(error)])
                errors.append(f"Code-barres : {messages[0]}")
                continue
            if code in seen_codes:
                errors.append(f"Le code-barres {code} figure déjà ligne {seen_codes[code]}.")
                continue
            seen_codes[code] = line_number
            codes.append(code)
        if product is None and not reference:
            matched = {owners[code] for code in codes if code in owners}
            if len(matched) > 1:
                errors.append("Ces codes-barres désignent plusieurs produits différents.")
            elif matched:
                product_id = matched.pop()
                product = products.get(product_id) or (
                    Product.objects.select_related("category", "category__parent")
                    .prefetch_related("barcodes")
                    .get(store=self.store, pk=product_id)
                )
                products[product.pk] = product
                if product.pk in seen_refs:
                    errors.append(
                        f"Ce code-barres est celui de « {product.name} », qui figure déjà "
                        f"ligne {seen_refs[product.pk]}."
                    )
                seen_refs[product.pk] = line_number
        for code in codes:
            owner = owners.get(code)
            if owner is not None and (product is None or owner != product.pk):
                errors.append(f"Le code-barres {code} appartient déjà à un autre produit.")
        new_codes = [code for code in codes if owners.get(code) is None]

        # Cross-field rules (the same as the product form's).
        origin = values.get("origin", product.origin if product else Origin.PURCHASE)
        programme = values.get("programme", product.programme if product else "")
        if origin == Origin.PROGRAMME and programme:
            # "programme" + FSE+ (the old way of writing EU aid) is EU aid.
            origin = values["origin"] = Origin(programme_origin(programme))
        if origin == Origin.PROGRAMME and not programme:
            errors.append("Provenance « programme » : indiquez le programme (PNAA, CNES…).")
        if origin not in PROGRAMME_ORIGINS and programme:
            errors.append(
                "Un programme ne s'indique que pour la provenance « programme » "
                "ou « aide européenne »."
            )
        unit = values.get("unit", product.unit if product else Unit.PIECE)
        if unit == Unit.KG and values.get("net_weight_g") is not None:
            # A product sold by the kilo weighs its quantity: a weight per piece means nothing.
            values["net_weight_g"] = None
        for field_name, (text, what) in typed_bounds.items():
            values[field_name] = _quantity_or_none(text, unit, what, errors)
        low = values.get("min_stock", product.min_stock if product else None)
        high = values.get("max_stock", product.max_stock if product else None)
        if low is not None and high is not None and low > high:
            errors.append("Le stock maximum est inférieur au stock minimum.")
        if errors:
            raise ValidationError(errors)

        changes: dict[str, tuple[str, str]] = {}
        if product is not None:
            for key, value in values.items():
                old = getattr(product, key)
                if old != value:
                    changes[change_label(key)] = (_display(key, old), _display(key, value))
            if active is not None and active != product.active:
                changes[change_label("active")] = (
                    "oui" if product.active else "non",
                    "oui" if active else "non",
                )
            if new_codes:
                changes[change_label("barcodes")] = ("", " ".join(new_codes))
        return {
            "product_id": product.pk if product else None,
            "product": product,
            "values": values,
            "barcodes": new_codes,
            "active": active,
            "changes": changes,
        }

    def describe(self, cleaned: dict[str, Any]) -> tuple[str, dict[str, tuple[str, str]]]:
        if cleaned["product_id"] is None:
            return "create", {}
        return ("update" if cleaned["changes"] else "unchanged"), cleaned["changes"]

    def apply(self, cleaned: list[dict[str, Any]]) -> int:
        from cabas.gestion.catalog.services import (
            barcode_attach,
            product_archive,
            product_create,
            product_restore,
            product_update,
        )

        store, actor = self.store, self.actor
        for line in cleaned:
            values = dict(line["values"])
            if line["product_id"] is None:
                product = product_create(store=store, actor=actor, **values)
            else:
                product = Product.objects.select_related("store").get(
                    store=store, pk=line["product_id"]
                )
                changed = {k: v for k, v in values.items() if getattr(product, k) != v}
                if changed:
                    product_update(product=product, actor=actor, data=changed)
            for code in line["barcodes"]:
                barcode_attach(product=product, code=code, actor=actor)
            if line["active"] is False:
                product_archive(product=product, actor=actor, reason="import")
            elif line["active"] is True:
                product_restore(product=product, actor=actor)
        return len(cleaned)
