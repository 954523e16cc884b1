"""The one way la gestion lays out an A4 document with reportlab's platypus: margins, title and
author in the file's properties, the bytes back."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import SimpleDocTemplate


def a4_pdf(
    story: Sequence[Any], *, title: str, author: str, side_mm: float = 15, top_mm: float = 15
) -> bytes:
    """The PDF of ``story`` (platypus flowables) on A4 pages."""
    buffer = io.BytesIO()
    SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=side_mm * mm,
        rightMargin=side_mm * mm,
        topMargin=top_mm * mm,
        bottomMargin=top_mm * mm,
        title=title,
        author=author,
    ).build(list(story))
    return buffer.getvalue()
