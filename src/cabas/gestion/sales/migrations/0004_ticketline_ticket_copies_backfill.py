"""The ticket's fields copied onto its lines (step 2 of 3): fill the copies of the lines
already stored, in one UPDATE joined to the tickets (per database: PostgreSQL's UPDATE … FROM,
MariaDB's multi-table UPDATE, and correlated sub-queries on the ticket's primary key
elsewhere)."""

from typing import Any

from django.db import migrations
from django.db.models import OuterRef, Subquery

COPIED = ["created_at", "device_id", "cashier_id", "household_id", "refund_of"]


def backfill(apps: Any, schema_editor: Any) -> None:
    connection = schema_editor.connection
    alias = connection.alias
    Ticket = apps.get_model("sales", "Ticket")
    TicketLine = apps.get_model("sales", "TicketLine")
    quote = connection.ops.quote_name
    lines, tickets = quote(TicketLine._meta.db_table), quote(Ticket._meta.db_table)
    if connection.vendor == "postgresql":
        sets = ", ".join(f"{quote(c)} = t.{quote(c)}" for c in COPIED)
        sql = f"UPDATE {lines} AS l SET {sets} FROM {tickets} AS t WHERE t.id = l.ticket_id"  # noqa: S608
    elif connection.vendor == "mysql":
        sets = ", ".join(f"l.{quote(c)} = t.{quote(c)}" for c in COPIED)
        sql = f"UPDATE {lines} AS l JOIN {tickets} AS t ON t.id = l.ticket_id SET {sets}"  # noqa: S608
    else:
        ticket = Ticket.objects.using(alias).filter(pk=OuterRef("ticket_id"))
        TicketLine.objects.using(alias).update(
            **{c: Subquery(ticket.values(c)[:1]) for c in COPIED}
        )
        return
    with connection.cursor() as cursor:
        cursor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("sales", "0003_ticketline_ticket_copies")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True)]
