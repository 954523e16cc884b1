"""Hooks for the apps built on households (the accompaniment): their part of a household's
access-request export and of its anonymisation, without this app importing them."""

from __future__ import annotations

from django.dispatch import Signal

household_exporting = Signal()
"""Sent with `household` while its access-request export is built; each receiver returns a
dict of sections ({name: JSON-able data}) added to the export."""

household_anonymising = Signal()
"""Sent with `household` inside the transaction that anonymises it: each receiver erases its
own personal data about the household."""
