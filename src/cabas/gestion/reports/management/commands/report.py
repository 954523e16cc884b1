"""`cabas report sales|stock|activity --store SLUG --from DATE --to DATE --format csv|xlsx|pdf
--output FILE`: the reports as files, for scheduled exports (cron).

`cabas report foodbank --store SLUG --year 2026 --quarter 1 --format pdf|xlsx --output FILE`
and `cabas report authorisation --store SLUG --year 2026 …`: the funders' returns."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation
from django.utils.translation import gettext as _

from cabas.gestion.core.forms import check_date_bounds
from cabas.gestion.reports import analytics
from cabas.gestion.reports.activity import DEFINITIONS, activity_report, report_tables
from cabas.gestion.reports.exports import tables_to_csv, tables_to_pdf, tables_to_xlsx
from cabas.gestion.reports.periods import Period
from cabas.gestion.reports.returns import funder_return
from cabas.gestion.reports.stock_selectors import stock_report_tables
from cabas.gestion.reports.tables import Table
from cabas.gestion.stores.models import Store

KINDS = ("sales", "stock", "activity")
RETURNS = ("foodbank", "authorisation")
FORMATS = ("csv", "xlsx", "pdf")


def _date(value: str, option: str) -> date:
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise CommandError(
            _("Date invalide pour %(option)s : « %(value)s » (attendu AAAA-MM-JJ).")
            % {"option": option, "value": value}
        ) from None
    try:
        return check_date_bounds(day)
    except ValidationError as error:
        raise CommandError(f"{option} : {' '.join(error.messages)}") from None


class Command(BaseCommand):
    help = "Écrit un rapport (ventes, stock, activité) dans un fichier CSV, XLSX ou PDF."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "kind", help="sales, stock, activity, ou les bilans foodbank et authorisation"
        )
        parser.add_argument("--store", required=True, help="identifiant de l'épicerie")
        parser.add_argument("--from", dest="date_from", help="AAAA-MM-JJ")
        parser.add_argument("--to", dest="date_to", help="AAAA-MM-JJ (inclus)")
        parser.add_argument("--year", type=int, help="bilans : l'année")
        parser.add_argument("--quarter", type=int, help="bilan foodbank : le trimestre (1 à 4)")
        parser.add_argument("--format", dest="fmt", default="csv", help="csv, xlsx ou pdf")
        parser.add_argument("--output", required=True, help="fichier à écrire")
        parser.add_argument(
            "--group-by",
            default="day",
            help="ventes : regroupement (day, month, till, cashier, rayon, category, product, "
            "household_size, composition, origin, payment)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        with translation.override("fr"):
            self._run(**options)

    def _run(self, **options: Any) -> None:
        kind, fmt = options["kind"], options["fmt"]
        if kind in RETURNS:
            self._return(**options)
            return
        if kind not in KINDS:
            raise CommandError(
                _(
                    "Rapport inconnu : « %(kind)s » (choisir sales, stock, activity, foodbank "
                    "ou authorisation)."
                )
                % {"kind": kind}
            )
        if not options["date_from"] or not options["date_to"]:
            raise CommandError(_("Indiquez la période : --from AAAA-MM-JJ --to AAAA-MM-JJ."))
        if fmt not in FORMATS:
            raise CommandError(
                _("Format inconnu : « %(fmt)s » (choisir csv, xlsx ou pdf).") % {"fmt": fmt}
            )
        store = Store.objects.filter(slug=options["store"]).first()
        if store is None:
            raise CommandError(
                _("Aucune épicerie d'identifiant « %(slug)s ».") % {"slug": options["store"]}
            )
        first = _date(options["date_from"], "--from")
        last = _date(options["date_to"], "--to")
        try:
            period = Period(first, last, store.timezone)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        output = Path(options["output"])
        if not output.parent.exists():
            raise CommandError(
                _("Le dossier de « %(path)s » n'existe pas.") % {"path": str(output)}
            )
        if kind in ("sales", "activity") and not analytics.sales_available():
            raise CommandError(_("Les ventes ne sont pas disponibles sur ce serveur."))

        title = store.name
        subtitle = period.label()
        summary: list[tuple[str, str]] = []
        footnote = ""
        tables: list[Table]
        if kind == "sales":
            group_by = options["group_by"]
            if group_by == "payment":
                tables = [analytics.payments_by_method(store, period)]
            elif group_by in analytics.TABLE_DIMENSIONS:
                grouped = analytics.aggregate(
                    store, period, dimensions=[group_by], measures=analytics.TABLE_MEASURES
                )
                tables = [analytics.grouped_table(grouped, title=_("Ventes"), short=True)]
            else:
                raise CommandError(_("Regroupement inconnu : « %(g)s ».") % {"g": group_by})
            title = f"{_('Ventes')} — {store.name}"
        elif kind == "stock":
            tables = stock_report_tables(store, last, period)
            title = f"{_('État du stock')} — {store.name}"
            subtitle = _("au soir du %(day)s ; pertes du %(period)s") % {
                "day": f"{last:%d/%m/%Y}",
                "period": period.label(),
            }
        else:
            annual = period.days > 62
            report = activity_report(store, period, annual=annual)
            title, subtitle, summary = report.title, report.subtitle, report.summary()
            footnote = str(DEFINITIONS)
            tables = report.tables if fmt == "pdf" else report_tables(report)

        if fmt == "csv":
            body = tables_to_csv(tables)
        elif fmt == "xlsx":
            body = tables_to_xlsx(tables, heading=f"{title} {subtitle}")
        else:
            body = tables_to_pdf(
                tables, title=title, subtitle=subtitle, summary=summary, footnote=footnote
            )
        try:
            output.write_bytes(body)
        except OSError as exc:
            raise CommandError(
                _("Impossible d'écrire « %(path)s » : %(error)s")
                % {"path": str(output), "error": exc.strerror}
            ) from None
        self.stdout.write(
            _("Rapport écrit : %(path)s (%(size)s octets)")
            % {"path": str(output), "size": len(body)}
        )

    def _return(self, **options: Any) -> None:
        kind, fmt = options["kind"], options["fmt"]
        if fmt not in ("pdf", "xlsx"):
            raise CommandError(_("Un bilan s'écrit en pdf ou en xlsx (--format)."))
        store = Store.objects.filter(slug=options["store"]).first()
        if store is None:
            raise CommandError(
                _("Aucune épicerie d'identifiant « %(slug)s ».") % {"slug": options["store"]}
            )
        year = options.get("year")
        if year is None or not 2000 <= year <= 2100:
            raise CommandError(_("Indiquez l'année du bilan : --year AAAA (2000 à 2100)."))
        output = Path(options["output"])
        if not output.parent.exists():
            raise CommandError(
                _("Le dossier de « %(path)s » n'existe pas.") % {"path": str(output)}
            )
        if not analytics.sales_available():
            raise CommandError(_("Les ventes ne sont pas disponibles sur ce serveur."))
        try:
            result = funder_return(store, kind, year, options.get("quarter"))
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        if fmt == "xlsx":
            body = tables_to_xlsx(
                result.export_tables(), heading=f"{result.title} {result.subtitle}"
            )
        else:
            body = tables_to_pdf(
                result.tables,
                title=result.title,
                subtitle=result.subtitle,
                summary=result.summary(),
                footnote=result.footnote,
            )
        try:
            output.write_bytes(body)
        except OSError as exc:
            raise CommandError(
                _("Impossible d'écrire « %(path)s » : %(error)s")
                % {"path": str(output), "error": exc.strerror}
            ) from None
        self.stdout.write(
            _("Bilan écrit : %(path)s (%(size)s octets)") % {"path": str(output), "size": len(body)}
        )
