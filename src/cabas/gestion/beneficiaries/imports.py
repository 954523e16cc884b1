"""Import of households from a CSV or XLSX file (through `cabas.gestion.imports`)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cabas.gestion.accounts.models import User
from cabas.gestion.beneficiaries import services
from cabas.gestion.beneficiaries.models import Household
from cabas.gestion.core.forms import BIRTH_MIN_YEAR, MIN_YEAR, check_date_bounds
from cabas.gestion.imports import Importer
from cabas.gestion.stores.models import Store

COLUMNS = {
    "nom": gettext_lazy("Nom de la personne de référence (obligatoire)"),
    "prenom": gettext_lazy("Prénom"),
    "date_de_naissance": gettext_lazy("JJ/MM/AAAA"),
    "telephone": gettext_lazy("Téléphone"),
    "email": gettext_lazy("E-mail"),
    "adresse": gettext_lazy("Adresse"),
    "code_postal": gettext_lazy("Code postal"),
    "commune": gettext_lazy("Commune"),
    "adultes": gettext_lazy("Nombre d'adultes (1 par défaut)"),
    "enfants": gettext_lazy("Nombre d'enfants (0 par défaut)"),
    "service_orienteur": gettext_lazy("Service qui oriente le foyer"),
    "travailleur_social": gettext_lazy("Travailleur social"),
    "contact_travailleur_social": gettext_lazy("Son téléphone ou e-mail"),
    "ressources": gettext_lazy("Ressources mensuelles en euros"),
    "charges": gettext_lazy("Charges mensuelles en euros"),
    "budget": gettext_lazy("Budget mensuel en euros (vide : le barème)"),
    "taux": gettext_lazy("Taux de participation du foyer en % (vide : celui de l'épicerie)"),
    "debut_droits": gettext_lazy("Début des droits JJ/MM/AAAA (vide : pas de droits ouverts)"),
    "duree_mois": gettext_lazy("Durée des droits en mois (3 par défaut, 12 au plus)"),
    "notice_remise": gettext_lazy(
        "La notice d'information a été remise au foyer et acceptée : oui ou non (vide : non, "
        "le foyer est importé « notice à faire signer »)"
    ),
    "notes": gettext_lazy("Notes"),
}
_YES = {"oui", "o", "x", "1", "vrai", "yes", "y"}
_NO = {"", "non", "n", "0", "faux", "no"}
NOTICE_TO_SIGN = gettext_lazy("notice à faire signer")
_TEXT = {
    "prenom": ("first_name", 100),
    "telephone": ("phone", 30),
    "adresse": ("address", 200),
    "code_postal": ("postal_code", 10),
    "commune": ("commune", 100),
    "service_orienteur": ("referrer_service", 150),
    "travailleur_social": ("referrer_name", 150),
    "contact_travailleur_social": ("referrer_contact", 150),
    "notes": ("notes", 5000),
}


def parse_date(text: str, what: str, *, min_year: int = MIN_YEAR) -> date:
    """A date of the file, its year within ``min_year``..2100 (as the back office's forms)."""
    for pattern in ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d/%m/%y"):
        try:
            day = datetime.strptime(text, pattern).date()  # noqa: DTZ007 - a calendar date
        except ValueError:
            continue
        try:
            return check_date_bounds(day, min_year=min_year)
        except ValidationError as error:
            raise ValidationError(f"{what} : {' '.join(error.messages)}") from None
    raise ValidationError(
        _("%(what)s : « %(v)s » n'est pas une date (JJ/MM/AAAA).") % {"what": what, "v": text}
    )


def parse_decimal(text: str, what: str) -> Decimal:
    cleaned = re.sub(r"[\s\u00a0\u202f€%]", "", text).replace(",", ".")
    try:
        value = Decimal(cleaned)
    except InvalidOperation as error:
        raise ValidationError(
            _("%(what)s : « %(v)s » n'est pas un nombre.") % {"what": what, "v": text}
        ) from error
    if value < 0 or not value.is_finite():
        raise ValidationError(_("%(what)s ne peut pas être négatif.") % {"what": what})
    return value


def parse_int(text: str, what: str, default: int, low: int, high: int) -> int:
    if not text:
        return default
    if not text.isdigit() or not low <= int(text) <= high:
        raise ValidationError(
            _("%(what)s : un nombre entier de %(low)d à %(high)d est attendu.")
            % {"what": what, "low": low, "high": high}
        )
    return int(text)


@dataclass
class HouseholdImporter(Importer):
    store: Store
    actor: User | None
    name: ClassVar[str] = "households"
    columns: ClassVar[Mapping[str, Any]] = COLUMNS
    required: ClassVar[Sequence[str]] = ("nom",)

    def label(self, row: Mapping[str, str], cleaned: dict[str, Any] | None) -> str:
        person = " ".join(f"{row.get('nom', '')} {row.get('prenom', '')}".split())
        commune = row.get("commune", "").strip()
        label = f"{person} ({commune})" if person and commune else person
        if cleaned is not None and not cleaned.get("notice"):
            label = f"{label} · {NOTICE_TO_SIGN}"
        return label

    def validate(self, row: Mapping[str, str], context: dict[str, Any]) -> dict[str, Any]:
        errors: list[str] = []
        data: dict[str, Any] = {}

        def field(step: Any) -> None:
            try:
                step()
            except ValidationError as error:
                errors.extend(error.messages)

        last_name = " ".join(row.get("nom", "").split())
        if not last_name:
            errors.append(_("Le nom est obligatoire."))
        elif len(last_name) > 100:
            errors.append(_("Le nom dépasse 100 caractères."))
        data["last_name"] = last_name
        for column, (name, length) in _TEXT.items():
            value = row.get(column, "").strip()
            if len(value) > length:
                errors.append(_("%(c)s dépasse %(n)d caractères.") % {"c": column, "n": length})
            data[name] = value
        email = row.get("email", "").strip()
        if email:
            field(lambda: validate_email(email))
        data["email"] = email

        def birth() -> None:
            if row.get("date_de_naissance"):
                born = parse_date(
                    row["date_de_naissance"], _("Date de naissance"), min_year=BIRTH_MIN_YEAR
                )
                services.check_birth_date(born, self.store.today())
                data["birth_date"] = born.isoformat()

        field(birth)
        field(lambda: data.update(adults=parse_int(row.get("adultes", ""), _("Adultes"), 1, 1, 20)))
        field(
            lambda: data.update(children=parse_int(row.get("enfants", ""), _("Enfants"), 0, 0, 20))
        )
        for column, name, what in (
            ("ressources", "income_cents", _("Ressources")),
            ("charges", "charges_cents", _("Charges")),
            ("budget", "monthly_budget_cents", _("Budget")),
        ):
            if row.get(column):
                field(
                    lambda c=column, n=name, w=what: data.update(
                        {n: int(parse_decimal(row[c], w) * 100)}
                    )
                )
        if row.get("taux"):

            def rate() -> None:
                value = parse_decimal(row["taux"], _("Taux"))
                if value > 100:
                    raise ValidationError(_("Le taux ne peut pas dépasser 100 %."))
                data["rate_bp"] = int(value * 100)

            field(rate)
        if row.get("debut_droits"):

            def start() -> None:
                first = parse_date(row["debut_droits"], _("Début des droits"))
                services.check_rights_start(first, self.store.today())
                data["start"] = first.isoformat()

            field(start)
            field(
                lambda: data.update(
                    months=parse_int(
                        row.get("duree_mois", ""),
                        _("Durée"),
                        services.DEFAULT_PERIOD_MONTHS,
                        services.MIN_PERIOD_MONTHS,
                        services.MAX_PERIOD_MONTHS,
                    )
                )
            )
        elif row.get("duree_mois"):
            errors.append(_("Une durée sans date de début des droits."))
        # The notice: given on paper before the file was kept here ("oui"), or still to sign.
        notice = row.get("notice_remise", "").strip().lower()
        if notice in _YES:
            data["notice"] = True
        elif notice in _NO:
            data["notice"] = False
        else:
            errors.append(
                _("Notice remise : « %(v)s », « oui » ou « non » est attendu.")
                % {"v": row["notice_remise"].strip()}
            )
        # The same person twice, in the file or already registered.
        identity = (last_name.lower(), data.get("first_name", "").lower(), data.get("birth_date"))
        seen = context.setdefault("seen", set())
        if identity in seen:
            errors.append(_("Ce foyer figure déjà plus haut dans le fichier."))
        seen.add(identity)
        if (
            last_name
            and Household.objects.filter(
                store=self.store,
                anonymised_at__isnull=True,
                last_name__iexact=last_name,
                first_name__iexact=data.get("first_name", ""),
                birth_date=data.get("birth_date"),
            ).exists()
        ):
            errors.append(_("Ce foyer est déjà enregistré dans l'épicerie."))
        if errors:
            raise ValidationError(errors)
        return data

    def apply(self, cleaned: list[dict[str, Any]]) -> int:
        for data in cleaned:
            data = dict(data)
            start = data.pop("start", None)
            months = data.pop("months", services.DEFAULT_PERIOD_MONTHS)
            notice = data.pop("notice", False)
            if data.get("birth_date"):
                data["birth_date"] = date.fromisoformat(data["birth_date"])
            household = services.household_create(store=self.store, actor=self.actor, data=data)
            if start:
                services.rights_admit(
                    household=household,
                    actor=self.actor,
                    start=date.fromisoformat(start),
                    months=months,
                )
            if notice:
                services.household_privacy_accept(household=household, actor=self.actor)
        return len(cleaned)
