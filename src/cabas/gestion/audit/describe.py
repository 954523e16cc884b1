"""The journal in words a shop's team reads: each event as a French sentence, the fields under
their verbose names, the values as the pages show them (euros, percentages, dates, choices).

Events are stored as codes (`catalog.product_price_changed`, `{"price_cents": [120, 150]}`) so
that they stay exact; they are put in words only when shown, so old entries read as well as new
ones. Every action code the project records has its sentence here (tests/gestion/audit checks)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.formats import number_format
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cabas.gestion.audit.models import AuditEvent

# What was done, as the verb of "Alice <verb> <object>".
ACTIONS: dict[str, Promise] = {
    # Accounts and the team
    "accounts.otp_enabled": _("a activé sa double authentification"),
    "accounts.otp_disabled": _("a désactivé sa double authentification"),
    "accounts.otp_reset": _("a réinitialisé la double authentification de"),
    "accounts.recovery_code_used": _("s'est connecté·e avec un code de secours"),
    "accounts.recovery_codes_renewed": _("a généré de nouveaux codes de secours"),
    "person.created": _("a ajouté à l'équipe"),
    "person.invited": _("a invité"),
    "person.welcome_resent": _("a renvoyé l'invitation de"),
    "membership.created": _("a donné un rôle à"),
    "membership.changed": _("a modifié le rôle de"),
    "store.created": _("a créé l'épicerie"),
    "store.settings_changed": _("a modifié les réglages de l'épicerie"),
    # Catalogue
    "catalog.settings_changed": _("a modifié les réglages du catalogue"),
    "catalog.catalogue_activated": _("a activé le catalogue de départ"),
    "catalog.weights_from_catalogue": _("a repris les poids du catalogue de départ"),
    "catalog.category_rate_changed": _("a changé le taux de participation du rayon"),
    "catalog.category_deleted": _("a supprimé le rayon"),
    "catalog.product_created": _("a créé le produit"),
    "catalog.product_price_changed": _("a changé le prix du produit"),
    "catalog.product_archived": _("a archivé le produit"),
    "catalog.product_restored": _("a remis en vente le produit"),
    "catalog.barcode_attached": _("a ajouté un code-barres au produit"),
    "catalog.barcode_detached": _("a retiré un code-barres du produit"),
    "catalog.products_imported": _("a importé des produits"),
    # Stock
    "stock.count_started": _("a commencé l'inventaire"),
    "stock.count_validated": _("a validé l'inventaire"),
    "stock.count_cancelled": _("a annulé l'inventaire"),
    "stock.level_fixed": _("a corrigé le niveau de stock de"),
    # Households
    "household.created": _("a enregistré le foyer"),
    "household.updated": _("a modifié le dossier du foyer"),
    "household.members_changed": _("a modifié la composition du foyer"),
    "household.funder_answers_changed": _(
        "a modifié les réponses facultatives du foyer (catégories des financeurs)"
    ),
    "household.budget_changed": _("a modifié le budget du foyer"),
    "household.spending_corrected": _("a corrigé les dépenses du foyer"),
    "household.rights_admitted": _("a ouvert les droits du foyer"),
    "household.rights_renewed": _("a renouvelé les droits du foyer"),
    "household.rights_suspended": _("a suspendu les droits du foyer"),
    "household.rights_resumed": _("a rétabli les droits du foyer"),
    "household.card_reissued": _("a remplacé la carte du foyer"),
    "household.privacy_accepted": _("a enregistré la notice d'information acceptée par le foyer"),
    "household.anonymised": _("a anonymisé le foyer"),
    # Admissions
    "admissions.settings_changed": _("a modifié les réglages des admissions"),
    "admissions.link_created": _("a créé le lien d'orientation pour"),
    "admissions.link_revoked": _("a révoqué le lien d'orientation de"),
    "admissions.referral_received": _("a enregistré l'orientation"),
    "admissions.referral_opened": _("a consulté l'orientation"),
    "admissions.session_created": _("a préparé la commission d'admission du"),
    "admissions.referral_admitted": _("a enregistré l'admission décidée pour l'orientation"),
    "admissions.referral_refused": _("a enregistré le refus décidé pour l'orientation"),
    "admissions.referral_postponed": _("a enregistré l'ajournement de l'orientation"),
    "beneficiaries.settings_changed": _("a modifié les réglages des bénéficiaires"),
    "quota.created": _("a créé la limite d'achat"),
    "quota.changed": _("a modifié la limite d'achat"),
    "quota.deleted": _("a supprimé la limite d'achat"),
    # Accompaniment and appointments
    "accompaniment.settings_changed": _("a modifié les réglages de l'accompagnement"),
    "accompaniment.notes_opened": _("a consulté les notes de l'accompagnement du foyer"),
    "project.created": _("a défini le projet"),
    "project.updated": _("a modifié le projet"),
    "project.contract_signed": _("a enregistré la signature du contrat du projet"),
    "project.closed": _("a clos le projet"),
    "project.review_added": _("a ajouté un point d'étape au projet"),
    "workshop.created": _("a enregistré l'atelier"),
    "workshop.attended": _("a inscrit à un atelier le foyer"),
    "slot_series.created": _("a ouvert les créneaux hebdomadaires"),
    "slot.created": _("a ouvert le créneau"),
    "slot.cancelled": _("a annulé le créneau"),
    "appointment.booked": _("a pris le rendez-vous"),
    "appointment.status_changed": _("a mis à jour le rendez-vous"),
    # Purchasing
    "purchasing.supplier_create": _("a créé le fournisseur"),
    "purchasing.supplier_update": _("a modifié le fournisseur"),
    "purchasing.supplier_price": _("a modifié le produit fournisseur"),
    "purchasing.order_send": _("a envoyé la commande"),
    "purchasing.order_cancel": _("a annulé la commande"),
    "purchasing.order_close": _("a clôturé la commande"),
    "purchasing.donation_receive": _("a enregistré le don"),
    # Tills and sales
    "pos.code_created": _("a créé un code d'installation de caisse"),
    "pos.device_enrolled": _("a installé la caisse"),
    "pos.device_renamed": _("a renommé la caisse"),
    "pos.device_revoked": _("a retiré la caisse"),
    "pos.pin_set": _("a choisi le code PIN de caisse de"),
    "pos.pin_cleared": _("a retiré le code PIN de caisse de"),
    "sales.anomaly_handled": _("a traité l'anomalie"),
    "sales.quarantine_reviewed": _("a examiné le ticket mis de côté"),
    # Recalls
    "recalls.recall_record": _("a enregistré le rappel"),
    "recalls.recall_lift": _("a débloqué en caisse le produit du rappel"),
    "recalls.recall_close": _("a clos le rappel"),
    # Collections (ramasses)
    "pickups.donor_create": _("a ajouté le magasin donateur"),
    "pickups.donor_update": _("a modifié le magasin donateur"),
    "pickups.donor_rates_set": _("a modifié le barème au kilo du magasin donateur"),
    "pickups.category_create": _("a créé la famille de ramasse"),
    "pickups.category_update": _("a modifié la famille de ramasse"),
    "pickups.collection_validate": _("a validé la ramasse"),
    "pickups.collection_cancel": _("a annulé la ramasse"),
}

# Names of what is recorded in `changes` that is not a field of the object's model.
FIELDS: dict[str, Promise] = {
    "adjustments": _("ajustements"),
    "appointments_cancelled": _("rendez-vous annulés"),
    "held_on": _("date"),
    "slots": _("créneaux"),
    "workshop": _("atelier"),
    "barcode": _("code-barres"),
    "budget_cents": _("budget mensuel"),
    "cancelled": _("lignes annulées"),
    "categories_created": _("rayons créés"),
    "code": _("code de la carte"),
    "kind": _("type"),
    "lines": _("lignes"),
    "month": _("mois"),
    "origin": _("origine"),
    "products_created": _("produits créés"),
    "questions": _("questions de l'épicerie"),
    "referrals": _("orientations examinées"),
    "months": _("durée (mois)"),
    "programme": _("programme"),
    "rates": _("barème au kilo"),
    "value_cents": _("valeur"),
    "weight_grams": _("poids accepté"),
    "rights": _("droits"),
    "role": _("rôle"),
    "spent_cents": _("dépensé"),
    "username": _("identifiant"),
}

# The objects whose name says nothing more than their kind («Réglages du catalogue»).
SINGLETONS = {
    "catalog.catalogsettings",
    "beneficiaries.beneficiarysettings",
    "admissions.admissionsettings",
    "stores.store",
}

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")

# Values that an app above shows its own way (a card code in groups): (object, field) → format,
# registered from the app's ready().
_FORMATS: dict[tuple[str, str], Callable[[Any], str]] = {}


def register_format(target_type: str, field: str, format_value: Callable[[Any], str]) -> None:
    _FORMATS[(target_type, field)] = format_value


@dataclass(frozen=True)
class Change:
    label: str
    before: str | None  # None: the value did not exist before (a creation)
    after: str


@dataclass(frozen=True)
class Entry:
    event: AuditEvent
    actor: str
    verb: str
    target: str
    changes: list[Change]

    @property
    def sentence(self) -> str:
        return f"{self.actor} {self.verb} {self.target}".strip()


def action_label(action: str) -> str:
    label = ACTIONS.get(action)
    if label is not None:
        return str(label)
    return gettext("a fait une action « %(code)s »") % {"code": action}


def describe(event: AuditEvent) -> Entry:
    model = _model(event.target_type)
    return Entry(
        event=event,
        actor=str(event.actor) if event.actor_id else gettext("Cabas"),
        verb=action_label(event.action),
        target=_target(event, model),
        changes=[
            _change(event.target_type, model, name, value)
            for name, value in (event.changes or {}).items()
        ],
    )


def _model(label: str) -> type[models.Model] | None:
    try:
        return apps.get_model(label)
    except (LookupError, ValueError):
        return None


def _target(event: AuditEvent, model: type[models.Model] | None) -> str:
    """The object's name; the verbs above already say its kind («a créé le produit»)."""
    if event.target_type in SINGLETONS:
        return ""
    if event.target_repr:
        return f"« {event.target_repr} »"
    return str(model._meta.verbose_name) if model is not None else ""


def _change(target_type: str, model: type[models.Model] | None, name: str, value: Any) -> Change:
    field = _field(model, name)
    label = str(field.verbose_name) if field is not None else str(FIELDS.get(name, name))
    own = _FORMATS.get((target_type, name))
    if own is not None:
        pair = value if isinstance(value, list | tuple) and len(value) == 2 else (None, value)
        return Change(
            label=label,
            before=None if pair[0] is None else own(pair[0]),
            after="—" if pair[1] is None else own(pair[1]),
        )
    # A change is [before, after]; some events record the value alone (a donation's origin).
    if isinstance(value, list | tuple) and len(value) == 2:
        before, after = value
        return Change(
            label=label,
            before=None if before is None else _value(field, name, before),
            after=_value(field, name, after),
        )
    return Change(label=label, before=None, after=_value(field, name, value))


def _field(model: type[models.Model] | None, name: str) -> Any:
    if model is None:
        return None
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    return field if hasattr(field, "verbose_name") else None  # not a reverse relation


def _value(field: Any, name: str, value: Any) -> str:
    if value is None or value == "":
        return "—"
    if value == "…":  # a personal field, never written to the journal
        return gettext("(donnée personnelle)")
    if isinstance(value, bool):
        return gettext("oui") if value else gettext("non")
    choices = getattr(field, "choices", None)
    if choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, dict):
        return " ; ".join(f"{key} : {_value(None, name, item)}" for key, item in value.items())
    if isinstance(value, list):
        return ", ".join(_value(field, name, item) for item in value)
    if isinstance(value, int) and name.endswith("_cents"):
        return f"{number_format(value / 100, 2)} €"
    if isinstance(value, int) and name.endswith("_bp"):
        return f"{number_format(value / 100, 2 if value % 100 else 0)} %"
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        return date.fromisoformat(value).strftime("%d/%m/%Y")
    if isinstance(value, str) and " → " in value:  # a period «2026-01-01 → 2026-06-30»
        return " → ".join(_value(field, name, part) for part in value.split(" → "))
    return str(value)
