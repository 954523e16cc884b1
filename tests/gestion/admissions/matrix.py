from __future__ import annotations

from cabas.gestion.admissions import services
from cabas.gestion.admissions.models import CommitteeSession, PartnerLink, Referral
from tests.gestion.matrix import MANAGER_ONLY, PUBLIC, Row, answers, object_of_shop_a


def _link(world) -> PartnerLink:
    from tests.gestion.admissions.factories import make_link

    return PartnerLink.objects.filter(store=world.store_a).first() or make_link(
        world.store_a, world.alice
    )


def _referral(world) -> Referral:
    from tests.gestion.admissions.factories import referral_data

    return Referral.objects.filter(store=world.store_a).first() or services.referral_submit(
        link=_link(world), data=referral_data(), answers={}
    )


def _session(world) -> CommitteeSession:
    from tests.gestion.admissions.factories import make_session

    return CommitteeSession.objects.filter(store=world.store_a).first() or make_session(
        world.store_a, world.alice, [_referral(world)]
    )


def token(world) -> dict[str, str]:
    return {"token": services.partner_link_token(_link(world))}


def sent(world) -> dict[str, str]:
    referral = _referral(world)
    return {"token": services.partner_link_token(_link(world)), "reference": referral.reference}


def referral_a(world) -> dict[str, int]:
    return {"pk": _referral(world).pk}


def link_a(world) -> dict[str, int]:
    return {"pk": _link(world).pk}


def session_a(world) -> dict[str, int]:
    return {"pk": _session(world).pk}


def decision_a(world) -> dict[str, int]:
    session = _session(world)
    return {"pk": session.pk, "decision_pk": session.decisions.get().pk}


def postpone(world) -> dict[str, str]:
    session = _session(world)
    return {f"d{session.decisions.get().pk}-outcome": "postponed"}


ACTION = answers(manager=302, stock=403, cashier=403, other=404)

ROWS = [
    # The partners' form: no account; the link opens shop A's form for everyone.
    Row("admissions:public", PUBLIC, kwargs=token),
    Row("admissions:sent", PUBLIC, kwargs=sent),
    # The team's pages: managers only; cashiers and stock managers see no referral.
    Row("admissions:queue", MANAGER_ONLY),
    Row("admissions:create", MANAGER_ONLY),
    Row("admissions:detail", object_of_shop_a(MANAGER_ONLY), kwargs=referral_a),
    Row("admissions:links", MANAGER_ONLY),
    Row("admissions:link_revoke", ACTION, kwargs=link_a, method="post"),
    Row("admissions:settings", MANAGER_ONLY),
    Row("admissions:sessions", MANAGER_ONLY),
    Row("admissions:session", object_of_shop_a(MANAGER_ONLY), kwargs=session_a),
    Row("admissions:decide", ACTION, kwargs=decision_a, method="post", data=postpone),
    Row("admissions:minutes", object_of_shop_a(MANAGER_ONLY), kwargs=session_a),
]
