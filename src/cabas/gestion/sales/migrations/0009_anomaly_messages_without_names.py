"""Anomaly messages written before the household's name was left to the pages: rewrite them in
today's wording, without the name ("Budget du foyer DUPONT M. dépassé : …" becomes "Budget du
foyer dépassé : …"), and the audit entries that copied them. The patterns are those of
`cabas.gestion.sales.services.message_without_name`, copied: a migration does not import the
app's code."""

import re
from typing import Any

from django.db import migrations

NAMED_MESSAGES = (
    (
        re.compile(r"^Vente au foyer .+ dont les droits sont suspendus\.$", re.DOTALL),
        "Vente à un foyer dont les droits sont suspendus.",
    ),
    (
        re.compile(r"^Vente au foyer .+ dont les droits ne sont pas ouverts\.$", re.DOTALL),
        "Vente à un foyer dont les droits ne sont pas ouverts.",
    ),
    (re.compile(r"^Budget du foyer .+? dépassé : ", re.DOTALL), "Budget du foyer dépassé : "),
)
KINDS = ("beneficiary_suspended", "beneficiary_expired", "budget_exceeded")


def without_name(message: str) -> str:
    for pattern, replacement in NAMED_MESSAGES:
        message = pattern.sub(replacement, message, count=1)
    return message


def rewrite(apps: Any, schema_editor: Any) -> None:
    alias = schema_editor.connection.alias
    Anomaly = apps.get_model("sales", "Anomaly")
    AuditEvent = apps.get_model("audit", "AuditEvent")
    changed = []
    named = Anomaly.objects.using(alias).filter(kind__in=KINDS).only("pk", "message")
    for anomaly in named.iterator(chunk_size=2000):
        message = without_name(anomaly.message)
        if message != anomaly.message:
            anomaly.message = message
            changed.append(anomaly)
    Anomaly.objects.using(alias).bulk_update(changed, ["message"], batch_size=500)
    for anomaly in changed:
        AuditEvent.objects.using(alias).filter(
            target_type="sales.anomaly", target_id=str(anomaly.pk)
        ).update(target_repr=anomaly.message[:200])


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0001_initial"),
        ("sales", "0008_anomaly_refund_exceeds_sale"),
    ]

    operations = [migrations.RunPython(rewrite, migrations.RunPython.noop, elidable=True)]
