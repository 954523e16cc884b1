"""Registers the aid programme codes of the shop's programme donors as a source of the
programmes the tariff settings know (see :mod:`cabas.gestion.beneficiaries.parts`)."""

from __future__ import annotations

from cabas.gestion.beneficiaries.parts import programme_source_register
from cabas.gestion.purchasing.selectors import supplier_programmes

programme_source_register("purchasing", supplier_programmes)
