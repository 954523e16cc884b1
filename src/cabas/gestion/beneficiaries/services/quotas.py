"""The shop's settings (budget scale, rates, ceilings, notice) and its quotas."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from cabas.gestion.accounts.models import User
from cabas.gestion.audit.services import audit_record, diff_fields, snapshot_fields
from cabas.gestion.beneficiaries.models import BeneficiarySettings, Quota
from cabas.gestion.beneficiaries.selectors import beneficiary_settings
from cabas.gestion.stores.models import Store
from cabas.rules.budget import BudgetScale
from cabas.rules.pricing import Tariff

SETTINGS_FIELDS = (
    "budget_scale",
    "shop_rate_bp",
    "origin_ceilings_bp",
    "reste_a_vivre_threshold_cents",
    "anonymisation_months",
    "privacy_notice",
)


@transaction.atomic
def beneficiary_settings_update(
    *, store: Store, actor: User | None, data: Mapping[str, Any]
) -> BeneficiarySettings:
    """Change the shop's scale, rates, ceilings, thresholds or notice (audited)."""
    found = beneficiary_settings(store)
    before = snapshot_fields(found, SETTINGS_FIELDS)
    for field, value in data.items():
        if field not in SETTINGS_FIELDS:
            raise ValueError(f"Unknown settings field: {field}")
        setattr(found, field, value)
    try:
        BudgetScale.from_dict(found.budget_scale)
        Tariff(shop_rate_bp=found.shop_rate_bp, origin_ceilings_bp=found.origin_ceilings_bp)
    except ValueError as error:
        raise ValidationError(str(error)) from error
    if found.anonymisation_months < 1:
        raise ValidationError({"anonymisation_months": _("Au moins un mois.")})
    found.full_clean()
    changes = diff_fields(found, before, SETTINGS_FIELDS)
    if changes:
        found.save()
        audit_record(
            store=store,
            actor=actor,
            action="beneficiaries.settings_changed",
            target=found,
            changes=changes,
        )
    return found


@transaction.atomic
def quota_save(
    *, store: Store, actor: User | None, data: Mapping[str, Any], quota: Quota | None = None
) -> Quota:
    """Create or change a quota (exactly one of product or category)."""
    is_new = quota is None
    quota = quota or Quota(store=store)
    for field in (
        "product",
        "category",
        "label",
        "unit",
        "base_quantity",
        "per_extra_person",
        "limits_by_size",
        "active",
    ):
        if field in data:
            setattr(quota, field, data[field])
    if (quota.product_id is None) == (quota.category_id is None):
        raise ValidationError(_("Un quota porte soit sur un produit, soit sur un rayon."))
    for target in (quota.product, quota.category):
        if target is not None and target.store_id != store.pk:
            raise ValidationError(_("Ce produit ou ce rayon n'est pas de cette épicerie."))
    if quota.product is not None and not data.get("unit"):
        quota.unit = quota.product.unit
    try:
        quota.as_rule()
    except (ValueError, TypeError) as error:
        raise ValidationError(str(error)) from error
    quota.full_clean()
    quota.save()
    audit_record(
        store=store,
        actor=actor,
        action="quota.created" if is_new else "quota.changed",
        target=quota,
        changes={
            "base_quantity": [None, quota.base_quantity],
            "per_extra_person": [None, quota.per_extra_person],
        },
    )
    return quota


@transaction.atomic
def quota_delete(*, quota: Quota, actor: User | None) -> None:
    audit_record(store=quota.store, actor=actor, action="quota.deleted", target=quota)
    quota.delete()
