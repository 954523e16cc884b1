"""A manager builds a statistic with its chart, saves it, and prints the activity report."""

from __future__ import annotations

import pytest

from tests.conftest import shot, sign_in
from tests.gestion.reports.sales_data import make_sales_world

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, databases=["default", "replica"]),
]


def test_a_manager_builds_a_statistic_with_its_chart_and_saves_it(browser_page, world) -> None:
    make_sales_world(world)
    page = browser_page
    sign_in(page, "alice")
    page.locator("nav.sections").get_by_role("link", name="Rapports").click()
    page.wait_for_load_state()
    shot(page, "01-reports-home")

    page.locator(".report-cards").get_by_role("link", name="Statistiques").click()
    page.select_option("#id_measure", "households")
    page.select_option("#id_dimension1", "month")
    page.select_option("#id_dimension2", "household_size")
    page.select_option("#id_period", "custom")
    page.fill("#id_date_from", "2026-01-01")
    page.fill("#id_date_to", "2026-02-28")
    page.click("#run")
    page.wait_for_load_state()
    chart = page.locator(".chart-box svg")
    assert chart.is_visible()
    assert chart.locator("rect").count() > 4
    assert page.locator("table tfoot").get_by_text("Total").is_visible()
    shot(page, "02-households-by-month-and-size")

    page.select_option("#id_measure", "paid")
    page.select_option("#id_dimension2", "")
    page.select_option("#id_chart", "line")
    page.click("#run")
    page.wait_for_load_state()
    assert page.locator(".chart-box svg polyline").count() == 1
    page.fill("#id_name", "Montant payé par mois")
    page.get_by_role("button", name="Enregistrer pour l'équipe").click()
    page.wait_for_load_state()
    assert page.get_by_text("Statistique enregistrée pour l'équipe.").is_visible()
    assert page.get_by_role("heading", name="Montant payé par mois", exact=True).is_visible()
    shot(page, "03-saved-statistic")

    page.locator(".report-tabs").get_by_role("link", name="Rapport d'activité").click()
    page.fill("#id_month", "2026-01")
    page.get_by_role("button", name="Afficher").click()
    page.wait_for_load_state()
    assert page.get_by_text("Foyers servis (sans doublon)").is_visible()
    shot(page, "04-activity-report")

    page.locator(".report-tabs").get_by_role("link", name="Ventes").click()
    page.fill("#id_date_from", "2026-01-01")
    page.fill("#id_date_to", "2026-01-31")
    page.select_option("#id_group_by", "till")
    page.get_by_role("button", name="Afficher").click()
    page.wait_for_load_state()
    shot(page, "05-sales-by-till")
    page.get_by_role("link", name="tickets").first.click()
    page.wait_for_load_state()
    shot(page, "06-drill-down-tickets")
    assert page.get_by_role("link", name="voir").count() >= 1
