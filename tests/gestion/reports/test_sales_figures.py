"""Sales figures checked against the hand-computed data set of sales_data.py."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from django.urls import reverse

from cabas.gestion.reports import analytics
from cabas.gestion.reports.periods import Period, month_period
from tests.gestion.reports.sales_data import SalesWorld, make_sales_world

pytestmark = pytest.mark.django_db

ALL = analytics.TABLE_MEASURES  # quantity, weight, paid, full, savings, tickets, households


@pytest.fixture
def sw(world) -> SalesWorld:
    return make_sales_world(world)


def january(sw: SalesWorld) -> Period:
    return month_period("2026-01", sw.store.timezone)


def test_january_totals_are_net_of_the_refund(sw):
    grouped = analytics.aggregate(sw.store, january(sw), dimensions=["month"], measures=ALL)
    # 4 + 2 + 1 − 1 spaghetti, 2 rice, 1 soap; 1.5 kg apples.
    assert grouped.totals == {
        "quantity": 9,
        "weight": 1500,
        "paid": 210 + 80 + 110 + 150 - 30,
        "full": 1050 + 400 + 550 + 150 - 150,
        "savings": 2000 - 520,
        "tickets": 4,
        "households": 2,
    }
    assert len(grouped.rows) == 1 and grouped.rows[0]["k_month"] == date(2026, 1, 1)


def test_a_ticket_at_half_past_midnight_local_on_the_first_counts_in_that_month(sw):
    february = month_period("2026-02", sw.store.timezone)
    grouped = analytics.aggregate(sw.store, february, dimensions=["day"], measures=["paid"])
    assert [(r["k_day"], r["paid"]) for r in grouped.rows] == [
        (date(2026, 2, 1), 30),
        (date(2026, 2, 10), 40),
    ]
    january_days = analytics.aggregate(sw.store, january(sw), dimensions=["day"], measures=["paid"])
    assert (date(2026, 1, 31), 80) in [(r["k_day"], r["paid"]) for r in january_days.rows]


def test_households_are_counted_once_across_months(sw):
    two_months = Period(date(2026, 1, 1), date(2026, 2, 28), sw.store.timezone)
    by_month = analytics.aggregate(
        sw.store, two_months, dimensions=["month"], measures=["households"]
    )
    assert [r["households"] for r in by_month.rows] == [2, 2]
    assert by_month.totals["households"] == 2


def test_sales_by_till_cashier_and_household_size(sw):
    p = january(sw)
    tills = analytics.aggregate(sw.store, p, dimensions=["till"], measures=["paid", "tickets"])
    assert {r["till"]: (r["paid"], r["tickets"]) for r in tills.rows} == {
        "Caisse 1": (370, 3),
        "Caisse 2": (150, 1),
    }
    cashiers = analytics.aggregate(sw.store, p, dimensions=["cashier"], measures=["paid"])
    assert {r["cashier"]: r["paid"] for r in cashiers.rows} == {"bob": 370, "alice": 150}
    sizes = analytics.aggregate(
        sw.store, p, dimensions=["household_size"], measures=["paid", "savings"]
    )
    assert {r["household_size"]: (r["paid"], r["savings"]) for r in sizes.rows} == {
        "3 personne(s)": (290, 1160),
        "1 personne(s)": (80, 320),
        "Sans carte": (150, 0),
    }


def test_sales_by_rayon_product_and_origin(sw):
    p = january(sw)
    rayons = analytics.aggregate(sw.store, p, dimensions=["rayon"], measures=["full"])
    assert {r["rayon"]: r["full"] for r in rayons.rows} == {
        "Épicerie salée": 600 + 300 + 150 - 150 + 400 + 250,
        "Fruits et légumes": 450,
    }
    products = analytics.aggregate(
        sw.store, p, dimensions=["product"], measures=["quantity", "paid"]
    )
    assert {r["product"]: (r["quantity"], r["paid"]) for r in products.rows} == {
        "Spaghetti": (6, 120 + 60 + 150 - 30),
        "Riz": (2, 80),
        "Savon": (1, 50),
        "Pommes": (0, 90),
    }
    origins = analytics.aggregate(
        sw.store, p, dimensions=["origin", "programme"], measures=["weight"]
    )
    assert {(r["origin"], r["k_programme"]): r["weight"] for r in origins.rows} == {
        ("achat", ""): 0,
        ("autre don", ""): 0,
        ("aide européenne", "FSE+"): 1500,
    }


def test_payments_by_method(sw):
    table = analytics.payments_by_method(sw.store, january(sw))
    assert {r[0]: (r[1], r[2]) for r in table.rows} == {
        "espèces": (4, 210 + 80 + 110 - 30),
        "carte bancaire": (1, 150),
    }


def test_the_drill_down_lists_the_tickets_of_a_row(sw):
    p = january(sw)
    day = analytics.drill_tickets(sw.store, p, dimension="day", value="2026-01-20")
    assert {str(t.pk) for t in day} == {sw.tickets["T3"], sw.tickets["T4"]}
    till2 = analytics.drill_tickets(sw.store, p, dimension="till", value=str(sw.till2.device.pk))
    assert [str(t.pk) for t in till2] == [sw.tickets["T4"]]
    no_card = analytics.drill_tickets(sw.store, p, dimension="household_size", value="")
    assert [str(t.pk) for t in no_card] == [sw.tickets["T4"]]


def test_the_sales_page_links_each_row_to_its_tickets_and_exports(client, world, sw):
    client.force_login(world.alice)
    url = reverse("reports:sales")
    params = {"date_from": "2026-01-01", "date_to": "2026-01-31", "group_by": "till"}
    page = client.get(url, params).content.decode()
    assert "Caisse 2" in page
    assert reverse("reports:sales_tickets") in page
    drill = client.get(
        reverse("reports:sales_tickets"),
        {**params, "dimension": "till", "value": str(sw.till2.device.pk), "customer": "all"},
    )
    assert reverse("sales:ticket_detail", kwargs={"ticket_id": sw.tickets["T4"]}) in (
        drill.content.decode()
    )
    exported = client.get(url, {**params, "format": "csv"})
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig")), delimiter=";"))
    assert ["Caisse 2", "1", "0,000", "1,50", "1,50", "0,00", "1", "0"] in rows


def test_the_sales_page_by_payment_method(client, world, sw):
    client.force_login(world.alice)
    page = client.get(
        reverse("reports:sales"),
        {"date_from": "2026-01-01", "date_to": "2026-01-31", "group_by": "payment"},
    ).content.decode()
    assert "carte bancaire" in page


def test_the_sales_pages_run_a_fixed_number_of_queries(
    client, world, sw, django_assert_max_num_queries
):
    client.force_login(world.alice)
    params = {"date_from": "2026-01-01", "date_to": "2026-02-28", "group_by": "product"}
    with django_assert_max_num_queries(10):
        client.get(reverse("reports:sales"), params)
    with django_assert_max_num_queries(10):
        client.get(
            reverse("reports:sales_tickets"),
            {**params, "dimension": "product", "value": str(sw.c.pasta.pk)},
        )


def test_another_shop_sees_none_of_these_sales(world, sw):
    other = month_period("2026-01", world.store_b.timezone)
    grouped = analytics.aggregate(world.store_b, other, dimensions=["month"], measures=ALL)
    assert grouped.rows == [] and grouped.totals["paid"] == 0


def test_line_figures_by_month_put_the_half_past_midnight_ticket_in_february(sw):
    # Quantities need the lines: their copy of the ticket's time decides the month, in the
    # shop's time zone (T6, 23:30 UTC on 31 January, is 1 February in Paris).
    two_months = Period(date(2026, 1, 1), date(2026, 2, 28), sw.store.timezone)
    grouped = analytics.aggregate(
        sw.store, two_months, dimensions=["month", "rayon"], measures=["quantity", "tickets"]
    )
    rows = {(r["k_month"], r["rayon"]): (r["quantity"], r["tickets"]) for r in grouped.rows}
    # February: T6 (1 spaghetti) and T7 (1 rice), both in Épicerie salée.
    assert [(k, v) for k, v in rows.items() if k[0] == date(2026, 2, 1)] == [
        ((date(2026, 2, 1), "Épicerie salée"), (2, 2))
    ]
    # January: T1 4 + T2 2 + T3 1 + 2 + T4 1 − T5 1 = 9 pieces over 4 sale tickets; the apples
    # are weighed (no pieces), on one ticket.
    assert rows[(date(2026, 1, 1), "Épicerie salée")] == (9, 4)
    assert rows[(date(2026, 1, 1), "Fruits et légumes")] == (0, 1)
    assert grouped.totals["tickets"] == 6


def test_distinct_counts_by_product_leave_out_refunds_and_total_on_the_tickets(sw):
    grouped = analytics.aggregate(
        sw.store, january(sw), dimensions=["product"], measures=["households", "tickets", "paid"]
    )
    by_name = {r["product"]: (r["households"], r["tickets"], r["paid"]) for r in grouped.rows}
    # Spaghetti: H1 (T1), H2 (T3) and the card-less T4; T5's refund is no visit, −30 paid.
    assert by_name["Spaghetti"] == (2, 3, 120 + 60 + 150 - 30)
    # The totals are the period's, not the sum of the rows: 2 households, 4 sale tickets.
    assert grouped.totals == {"households": 2, "tickets": 4, "paid": 520}


def test_the_product_filter_totals_count_only_tickets_with_such_lines(sw):
    filters = analytics.Filters(category_ids=(sw.c.fruits.pk,))  # the apples of T1
    grouped = analytics.aggregate(
        sw.store, january(sw), dimensions=["till"], measures=["tickets"], filters=filters
    )
    assert [(r["till"], r["tickets"]) for r in grouped.rows] == [("Caisse 1", 1)]
    assert grouped.totals == {"tickets": 1}


def test_a_figure_with_no_dimension_is_one_row_of_totals(sw):
    grouped = analytics.aggregate(
        sw.store, january(sw), dimensions=[], measures=["households", "quantity"]
    )
    assert grouped.rows == [{"households": 2, "quantity": 9}]
    assert grouped.totals == {"households": 2, "quantity": 9}
