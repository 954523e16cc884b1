"""In a real browser: axe-core (vendored, see tests/e2e/vendor/README.md) finds no violation on
any page of la gestion that a manager can open, in a shop filled with the demo's data; at 390 px
wide the menu folds behind one button and wide tables scroll inside their frame, never the page.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from django.db.models import Count
from django.test import Client
from django.urls import reverse

from cabas.gestion.beneficiaries.models import Household
from cabas.gestion.purchasing.models import RECEIVABLE_STATES, PurchaseOrder
from cabas.gestion.stores import demo
from tests.conftest import World, shot, sign_in
from tests.gestion.matrix import Row, all_rows

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, databases=["default", "replica"]),
]

AXE = Path(__file__).parent / "vendor" / "axe-4.14.1.min.js"
# What axe checks: WCAG 2.1 A and AA, and its best practices (landmarks, headings...).
AXE_OPTIONS = {
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"],
    },
    "resultTypes": ["violations"],
}
DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}


def load_demo(world: World) -> None:
    """The demo's catalogue, stock, households, orders and sales, in alice's shop."""
    users = {"responsable": world.alice, "stock": world.diane, "caisse": world.bob}
    for _order, _name, loader in demo._LOADERS:
        loader(world.store_a, users)


def demo_pages(world: World) -> list[tuple[str, str]]:
    """Pages the matrix opens on its own small objects, on the demo's larger ones: the
    reception of the order with the most lines, the household with the most members."""
    order = (
        PurchaseOrder.objects.filter(store=world.store_a, state__in=RECEIVABLE_STATES)
        .annotate(line_count=Count("lines"))
        .order_by("-line_count")
        .first()
    )
    household = (
        Household.objects.filter(store=world.store_a)
        .annotate(member_count=Count("members"))
        .order_by("-member_count", "pk")
        .first()
    )
    assert order is not None and household is not None
    return [
        ("demo reception", reverse("purchasing:order_receive", args=[order.pk])),
        ("demo household", reverse("beneficiaries:detail", args=[household.pk])),
    ]


def row_url(row: Row, world: World) -> str:
    """The row's URL with its query (a GET row's data), its objects made."""
    url = reverse(row.url_name, kwargs=row.kwargs(world) if row.kwargs else {})
    query = urlencode(row.data(world)) if row.data else ""
    return f"{url}?{query}" if query else url


def manager_pages(world: World) -> list[tuple[str, str]]:
    """(url name, url) of every HTML page of the matrix that alice gets with a 200, the matrix's
    objects made first, then the demo's data around them."""
    urls = [
        (row.url_name, row_url(row, world))
        for row in all_rows()
        if row.method == "get" and row.expect["manager"] == 200
    ]
    load_demo(world)
    urls += demo_pages(world)
    client = Client()
    client.force_login(world.alice)
    pages = []
    for name, url in urls:
        response = client.get(url)
        if response.status_code == 200 and response["Content-Type"].startswith("text/html"):
            pages.append((name, url))
    return pages


def axe_violations(page: Any) -> list[dict[str, Any]]:
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))  # evaluated, not injected: no CSP issue
    result = page.evaluate("options => window.axe.run(document, options)", AXE_OPTIONS)
    return [
        {
            "id": violation["id"],
            "impact": violation["impact"],
            "help": violation["help"],
            "nodes": [
                {"target": node["target"], "summary": node.get("failureSummary", "")}
                for node in violation["nodes"]
            ],
        }
        for violation in result["violations"]
    ]


def test_no_page_a_manager_can_open_has_an_axe_violation(browser_page, world, output_dir) -> None:
    pages = manager_pages(world)
    assert len(pages) > 60, pages

    page = browser_page
    page.set_viewport_size(DESKTOP)
    sign_in(page, "alice")
    found: dict[str, list[dict[str, Any]]] = {}
    for name, url in pages:
        response = page.goto(page.base_url + url)
        assert response is not None and response.status == 200, (name, url)
        violations = axe_violations(page)
        if violations:
            found[f"{name} {url}"] = violations
    (output_dir / "axe-pages.txt").write_text(
        "".join(f"{name} {url}\n" for name, url in pages), encoding="utf-8"
    )
    report = output_dir / "axe-violations.json"
    report.write_text(json.dumps(found, indent=2, ensure_ascii=False), encoding="utf-8")
    elements = {
        where: sum(len(v["nodes"]) for v in violations) for where, violations in found.items()
    }
    summary = "\n".join(
        f"{where}: {count} element(s), "
        + ", ".join(f"{v['id']} ×{len(v['nodes'])}" for v in found[where])
        for where, count in elements.items()
    )
    assert not found, (
        f"{len(found)} of {len(pages)} pages break axe rules (see {report}):\n{summary}"
    )


# The pages with the widest tables, and those the brief's screenshots are of.
# What sticks out of the screen: the outermost elements whose right edge is past it.
WIDEST = """() => {
  const out = (el) => el.getBoundingClientRect().right > window.innerWidth + 1;
  return Array.from(document.body.querySelectorAll("*"))
    .filter((el) => out(el) && !(el.parentElement && out(el.parentElement)))
    .map((el) => `${el.tagName}.${el.className} ${el.getBoundingClientRect().right}px`);
}"""
PHONE_PAGES = [
    "demo reception",
    "demo household",
    "purchasing:donation_create",
    "catalog:product_list",
    "stock:home",
    "stock:dates",
    "reports:stock",
    "reports:sales_tickets",
    "sales:ticket_list",
    "sales:anomaly_list",
    "beneficiaries:list",
    "beneficiaries:ending",
    "pos:home",
]


def test_at_390_px_the_menu_folds_and_tables_scroll_inside_their_frame(
    browser_page, world, output_dir
) -> None:
    pages = dict(manager_pages(world))
    page = browser_page
    page.set_viewport_size(PHONE)
    sign_in(page, "alice")

    # The menu: one button; open, it shows the sections; the skip link comes first.
    page.goto(page.base_url + pages["stock:home"])
    header = page.locator("header.app")
    toggle = page.get_by_role("button", name="Menu")
    assert toggle.get_attribute("aria-expanded") == "false"
    assert not page.locator("nav.sections").is_visible()
    assert header.bounding_box()["height"] < 120
    shot(page, "390-stock-menu-closed")
    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "true"
    page.locator("nav.sections").get_by_role("link", name="Bénéficiaires").wait_for()
    shot(page, "390-stock-menu-open")
    page.goto(page.base_url + pages["stock:home"])
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Aller au contenu")
    assert skip.evaluate("el => el === document.activeElement") and skip.is_visible()
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "contenu"

    too_wide: dict[str, list[str]] = {}
    found: dict[str, list[dict[str, Any]]] = {}
    for name in PHONE_PAGES:
        page.goto(page.base_url + pages[name])
        width = page.evaluate("() => document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            too_wide[name] = page.evaluate(WIDEST)
        violations = axe_violations(page)
        if violations:
            found[name] = violations
        shot(page, "390-" + name.replace(":", "-").replace(" ", "-"))
    assert not too_wide, f"pages wider than {PHONE['width']} px: {too_wide}"
    assert not found, json.dumps(found, indent=2, ensure_ascii=False)

    # A table wider than the screen scrolls in its frame, which the keyboard can reach.
    page.goto(page.base_url + pages["demo reception"])
    frame = page.locator(".table-scroll[role=region]").first
    assert frame.get_attribute("tabindex") == "0" and frame.get_attribute("aria-label")
    frame.focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function(
        "() => document.querySelector('.table-scroll[role=region]').scrollLeft > 0"
    )


def test_the_screens_of_the_brief_at_1366_px(browser_page, world) -> None:
    """Screenshots to look at: the reception form with its pickers, a household, a wide table."""
    pages = dict(manager_pages(world))
    page = browser_page
    page.set_viewport_size(DESKTOP)
    sign_in(page, "alice")
    for name in ("demo reception", "demo household", "reports:sales_tickets", "stock:home"):
        page.goto(page.base_url + pages[name])
        shot(page, "1366-" + name.replace(":", "-").replace(" ", "-"))
