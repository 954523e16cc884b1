"""The ticket's fields copied onto its lines (step 3 of 3): the copies are required, and the
covering index the statistics read a year of lines from."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("sales", "0004_ticketline_ticket_copies_backfill")]

    operations = [
        migrations.AlterField(
            model_name="ticketline",
            name="created_at",
            field=models.DateTimeField(verbose_name="date"),
        ),
        migrations.AlterField(
            model_name="ticketline",
            name="device",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="pos.device",
            ),
        ),
        migrations.AddIndex(
            model_name="ticketline",
            index=models.Index(
                fields=["store", "created_at"],
                include=(
                    "product",
                    "quantity",
                    "unit",
                    "total_cents",
                    "full_price_cents",
                    "ticket",
                    "device",
                    "cashier",
                    "household",
                    "refund_of",
                ),
                name="sales_line_store_time",
            ),
        ),
    ]
