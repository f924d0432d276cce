"""An organisation's logo: what is uploaded is checked and drawn again, and only the copy we
drew is ever stored or served.

An upload is a logo only if it is a PNG, JPEG or WebP that Pillow decodes in full: its name and
the content type the browser sent are ignored, so an SVG (which can carry script) or a file that
is two formats at once (a polyglot) is refused however it is named. Its size is checked before
it is read, and its pixel count from its header before it is decoded, so a small file that
would unpack into gigabytes (a decompression bomb) costs nothing. The copy is a PNG without
metadata (no EXIF: a phone photo's location stays behind), turned upright and scaled to fit
MAX_SIDE, stored under a random name."""

import io
import secrets
import warnings
from dataclasses import dataclass

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from PIL import Image, ImageOps, UnidentifiedImageError

ACCEPTED_FORMATS = ("PNG", "JPEG", "WEBP")
MAX_BYTES = 2 * 1024 * 1024
MAX_PIXELS = 25_000_000
MAX_SIDE = 800

NOT_AN_IMAGE = "The logo must be a PNG, JPEG or WebP image."
TOO_BIG = "The logo must be smaller than 2 MB."
TOO_MANY_PIXELS = "The logo is too large. Use an image smaller than 5,000 by 5,000 pixels."
EMPTY = "The logo file is empty."


class LogoRefused(ValueError):
    """The upload is not a logo we accept; the message says why, in plain English."""

    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass(frozen=True)
class PreparedLogo:
    """A logo ready to store: the PNG we drew, and its size in pixels."""

    content: bytes
    width: int
    height: int

    @staticmethod
    def new_name() -> str:
        return f"{secrets.token_urlsafe(16)}.png"


def _read_within_limit(upload) -> bytes:
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_BYTES:
        raise LogoRefused(TOO_BIG, "too_big")
    if hasattr(upload, "seek"):
        upload.seek(0)
    data = upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise LogoRefused(TOO_BIG, "too_big")
    if not data:
        raise LogoRefused(EMPTY, "empty")
    return data


def prepare_logo(upload) -> PreparedLogo:
    """Check an uploaded file (any file-like object) and draw the logo we store from it.
    Raises LogoRefused."""
    data = _read_within_limit(upload)
    with warnings.catch_warnings():
        # Pillow only warns below twice its own limit; any bomb warning is a refusal here.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            # Only these decoders are tried: SVG, GIF, TIFF, PSD and the rest are not images here.
            with Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS) as image:
                width, height = image.size
                if width < 1 or height < 1:
                    raise LogoRefused(NOT_AN_IMAGE, "not_an_image")
                if width * height > MAX_PIXELS:
                    raise LogoRefused(TOO_MANY_PIXELS, "too_many_pixels")
                image.load()  # the whole file decodes, or it is not an image
                return _redraw(image)
        except LogoRefused:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise LogoRefused(TOO_MANY_PIXELS, "too_many_pixels") from None
        except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError):
            raise LogoRefused(NOT_AN_IMAGE, "not_an_image") from None
        except Exception:  # noqa: BLE001 - whatever a decoder raises, the file is not a logo
            raise LogoRefused(NOT_AN_IMAGE, "not_an_image") from None


def _redraw(image: Image.Image) -> PreparedLogo:
    upright = ImageOps.exif_transpose(image)
    has_alpha = upright.mode in ("RGBA", "LA", "PA") or "transparency" in upright.info
    drawn = upright.convert("RGBA" if has_alpha else "RGB")
    drawn.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    # Nothing of the original's metadata goes with the pixels (EXIF, XMP, text chunks, ICC).
    drawn.info = {}
    buffer = io.BytesIO()
    drawn.save(buffer, format="PNG", optimize=True)
    return PreparedLogo(content=buffer.getvalue(), width=drawn.width, height=drawn.height)


class LogoField(forms.FileField):
    """A logo upload: cleans to a PreparedLogo (or None when nothing was uploaded), with a plain
    message beside the field when the file is refused."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", "Logo")
        kwargs.setdefault(
            "help_text",
            "A PNG, JPEG or WebP image, smaller than 2 MB. We show it at most 800 pixels wide.",
        )
        kwargs.setdefault("widget", forms.FileInput)
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("accept", "image/png,image/jpeg,image/webp")
        self.error_messages = {
            **self.error_messages,
            "invalid": NOT_AN_IMAGE,
            "missing": NOT_AN_IMAGE,
            "empty": EMPTY,
            "contradiction": "Either upload a new logo or remove the current one, not both.",
        }

    def to_python(self, data):
        upload = super().to_python(data)
        if upload is None:
            return None
        if not isinstance(upload, UploadedFile):
            raise ValidationError(NOT_AN_IMAGE, code="not_an_image")
        try:
            return prepare_logo(upload)
        except LogoRefused as refused:
            raise ValidationError(refused.message, code=refused.code) from None

    def bound_data(self, data, initial):
        # A file is never shown back in the form: a refused one must be chosen again.
        return initial

    def has_changed(self, initial, data):
        return data is not None
