"""What a shop's logo may be: a small PNG, JPEG, WebP or GIF image, checked by its content
(never by its name), with a name and a content type that follow the content."""

from __future__ import annotations

import io
import logging
import warnings
from typing import IO, TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from cabas.gestion.stores.models import Store

logger = logging.getLogger(__name__)

MAX_LOGO_BYTES = 1024 * 1024
MAX_LOGO_SIDE = 4000  # pixels: a bigger logo would cost hundreds of MB to draw in a PDF
FORMATS = {
    "PNG": ("png", "image/png"),
    "JPEG": ("jpg", "image/jpeg"),
    "WEBP": ("webp", "image/webp"),
    "GIF": ("gif", "image/gif"),
}


def logo_format(file: IO[bytes] | Any) -> str:
    """The Pillow format of an acceptable logo (a key of FORMATS); ValidationError (French)
    for anything else: too heavy, not an image, another format, too many pixels."""
    from PIL import Image

    size = getattr(file, "size", None)
    if size is not None and size > MAX_LOGO_BYTES:
        raise ValidationError(_("Le logo doit peser moins de 1 Mo."), code="logo_size")
    refused = ValidationError(
        _("Le logo doit être une image PNG, JPEG, WebP ou GIF."), code="logo_format"
    )
    too_big = ValidationError(
        _("Le logo ne doit pas dépasser %(n)d × %(n)d pixels.") % {"n": MAX_LOGO_SIDE},
        code="logo_pixels",
    )
    try:
        file.seek(0)
        with warnings.catch_warnings():
            # A decompression bomb (a few KB that decode to gigabytes) is an error, not a warning.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(file) as image:
                image_format = str(image.format or "")
                width, height = image.size
    except (Image.DecompressionBombWarning, Image.DecompressionBombError) as error:
        raise too_big from error
    except Exception as error:
        raise refused from error
    finally:
        file.seek(0)
    if image_format not in FORMATS:
        raise refused
    if width > MAX_LOGO_SIDE or height > MAX_LOGO_SIDE:
        raise too_big
    return image_format


def validate_logo(file: Any) -> None:
    """Model field validator (the settings page and the platform admin alike). Only a new
    upload is checked: a logo already stored was checked when it came in."""
    if getattr(file, "_committed", False):
        return
    logo_format(file)


def logo_content_type(file: Any) -> str:
    """The content type of a stored logo, from its content."""
    try:
        return FORMATS[logo_format(file)][1]
    except ValidationError:
        return "application/octet-stream"


def logo_file_name(file: Any, slug: str) -> str:
    """A stored name with the extension of what the file really is."""
    return f"{slug}.{FORMATS[logo_format(file)][0]}"


def logo_image(store: Store) -> tuple[bytes, int, int] | None:
    """The shop's logo for a PDF: its bytes, width and height in pixels; None when it has none
    or the file is missing or broken: a document must never fail for its logo (logged)."""
    if not store.logo:
        return None
    from reportlab.lib.utils import ImageReader

    try:
        with store.logo.open("rb") as handle:
            data = handle.read()
        width, height = ImageReader(io.BytesIO(data)).getSize()
    except Exception:  # noqa: BLE001  any unreadable file: the document goes out without it
        logger.warning("logo of store %s unreadable, document made without it", store.pk)
        return None
    return data, width, height
