"""Writes about households, one module per job:

- :mod:`.households`: registration, the file and its members, budget, card codes;
- :mod:`.rights`: periods of rights and the rules on their dates;
- :mod:`.spending`: the monthly spending (the till tickets' upsert, corrections);
- :mod:`.quotas`: the shop's settings (scale, rates, ceilings) and its quotas;
- :mod:`.privacy`: the notice, the accesses to a file, the anonymisation.

Every change of rights, budget, rate or card is audited inside its transaction. The reads
are in :mod:`cabas.gestion.beneficiaries.selectors`.
"""

from cabas.gestion.beneficiaries.services.households import (
    AUDITED_VALUE_FIELDS,
    HOUSEHOLD_FIELDS,
    LABEL_LENGTH,
    PERSONAL_FIELDS,
    check_birth_date,
    household_card_reissue,
    household_create,
    household_label,
    household_members_set,
    household_register,
    household_set_budget,
    household_update,
)
from cabas.gestion.beneficiaries.services.privacy import (
    ANONYMOUS_LABEL,
    household_access_log,
    household_anonymise,
    household_privacy_accept,
)
from cabas.gestion.beneficiaries.services.quotas import (
    SETTINGS_FIELDS,
    beneficiary_settings_update,
    quota_delete,
    quota_save,
)
from cabas.gestion.beneficiaries.services.rights import (
    DEFAULT_PERIOD_MONTHS,
    MAX_PERIOD_MONTHS,
    MIN_PERIOD_MONTHS,
    RIGHTS_START_AHEAD_MONTHS,
    RIGHTS_START_PAST_MONTHS,
    check_period_months,
    check_rights_start,
    period_end_for,
    rights_admit,
    rights_period_record,
    rights_renew,
    rights_resume,
    rights_suspend,
)
from cabas.gestion.beneficiaries.services.spending import (
    spending_add,
    spending_correct,
    spendings_lock,
)

__all__ = [
    "ANONYMOUS_LABEL",
    "AUDITED_VALUE_FIELDS",
    "DEFAULT_PERIOD_MONTHS",
    "HOUSEHOLD_FIELDS",
    "LABEL_LENGTH",
    "MAX_PERIOD_MONTHS",
    "MIN_PERIOD_MONTHS",
    "PERSONAL_FIELDS",
    "RIGHTS_START_AHEAD_MONTHS",
    "RIGHTS_START_PAST_MONTHS",
    "SETTINGS_FIELDS",
    "beneficiary_settings_update",
    "check_birth_date",
    "check_period_months",
    "check_rights_start",
    "household_access_log",
    "household_anonymise",
    "household_card_reissue",
    "household_create",
    "household_label",
    "household_members_set",
    "household_privacy_accept",
    "household_register",
    "household_set_budget",
    "household_update",
    "period_end_for",
    "quota_delete",
    "quota_save",
    "rights_admit",
    "rights_period_record",
    "rights_renew",
    "rights_resume",
    "rights_suspend",
    "spending_add",
    "spending_correct",
    "spendings_lock",
]
