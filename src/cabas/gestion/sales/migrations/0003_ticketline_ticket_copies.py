"""The ticket's fields copied onto its lines (step 1 of 3): the columns, empty for now."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("beneficiaries", "0001_initial"),
        ("pos", "0001_initial"),
        ("sales", "0002_ticket_anomaly_ticketline_ticketpayment_and_more"),
        ("stores", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="ticketline",
            name="created_at",
            field=models.DateTimeField(null=True, verbose_name="date"),
        ),
        migrations.AddField(
            model_name="ticketline",
            name="device",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="pos.device",
            ),
        ),
        migrations.AddField(
            model_name="ticketline",
            name="cashier",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="stores.membership",
            ),
        ),
        migrations.AddField(
            model_name="ticketline",
            name="household",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="beneficiaries.household",
            ),
        ),
        migrations.AddField(
            model_name="ticketline",
            name="refund_of",
            field=models.UUIDField(blank=True, null=True),
        ),
    ]
