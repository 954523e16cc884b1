"""The ticket lines' (store, created_at) index serves every look-up by shop: the store column
loses its own index (one index less to write per line at intake)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("sales", "0005_ticketline_ticket_copies_index"),
        ("stores", "0001_initial"),
    ]

    operations = [
        migrations.AlterField(
            model_name="ticketline",
            name="store",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="stores.store",
            ),
        ),
    ]
