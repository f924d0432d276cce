"""Logo uploads (organisations/logos.py): only PNG, JPEG and WebP that decode in full are taken,
whatever their name or content type says; what is stored is our own PNG, without metadata,
scaled down, under a random name. Sizes and pixel counts are refused before decoding."""

import io
import re
import struct
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ExifTags, Image, ImageFile, PngImagePlugin

from organisations import logos
from organisations.forms import OrganisationForm
from organisations.logos import MAX_BYTES, LogoRefused, prepare_logo


def image_bytes(fmt: str, size=(60, 30), mode="RGB", **save) -> bytes:
    buffer = io.BytesIO()
    colour = (200, 40, 40, 128) if mode == "RGBA" else (200, 40, 40)
    Image.new(mode, size, colour).save(buffer, format=fmt, **save)
    return buffer.getvalue()


def exif_with_location(orientation: int = 1) -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Phonemaker"
    exif[ExifTags.Base.Artist] = "Sam Private"
    exif[ExifTags.Base.Orientation] = orientation
    exif.get_ifd(ExifTags.IFD.GPSInfo)[ExifTags.GPS.GPSLatitude] = (51.0, 23.0, 4.0)
    return exif


def upload(content: bytes, name="logo.png", content_type="image/png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def reopened(logo) -> Image.Image:
    image = Image.open(io.BytesIO(logo.content))
    image.load()
    return image


def refused_with(content: bytes, code: str, **kwargs) -> LogoRefused:
    with pytest.raises(LogoRefused) as info:
        prepare_logo(upload(content, **kwargs))
    assert info.value.code == code
    return info.value


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_claiming(width: int, height: int) -> bytes:
    """A few dozen bytes: a PNG header claiming this size, and almost no pixel data."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", zlib.compress(b"\x00" * 16))
        + png_chunk(b"IEND", b"")
    )


# --- What is accepted -------------------------------------------------------------------------


def test_a_png_loses_its_exif_and_text_and_is_stored_as_our_own_png():
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "Sam Private")
    info.add_text("Comment", "<script>alert(1)</script>")
    original = image_bytes("PNG", pnginfo=info, exif=exif_with_location())
    assert b"Sam Private" in original
    assert b"Phonemaker" in original

    logo = prepare_logo(upload(original))
    assert logo.content.startswith(b"\x89PNG")
    assert b"Sam Private" not in logo.content
    assert b"Phonemaker" not in logo.content
    assert b"script" not in logo.content
    image = reopened(logo)
    assert image.format == "PNG"
    assert dict(image.getexif()) == {}
    assert "Author" not in image.info
    assert "exif" not in image.info
    assert (logo.width, logo.height) == (60, 30)


def test_a_jpeg_photo_is_turned_upright_and_loses_its_location():
    # Orientation 6: the camera was turned; the picture is shown rotated by 90 degrees.
    original = image_bytes("JPEG", size=(80, 40), exif=exif_with_location(orientation=6))
    logo = prepare_logo(upload(original, name="photo.jpg", content_type="image/jpeg"))
    image = reopened(logo)
    assert image.size == (40, 80)
    assert dict(image.getexif()) == {}
    assert b"Phonemaker" not in logo.content


def test_a_webp_with_transparency_keeps_it():
    logo = prepare_logo(upload(image_bytes("WEBP", mode="RGBA"), name="logo.webp"))
    image = reopened(logo)
    assert image.mode == "RGBA"
    assert image.getpixel((0, 0))[3] < 255


def test_a_big_logo_is_scaled_to_fit():
    logo = prepare_logo(upload(image_bytes("PNG", size=(3200, 800))))
    assert (logo.width, logo.height) == (logos.MAX_SIDE, 200)
    assert reopened(logo).size == (800, 200)


def test_the_name_it_was_uploaded_with_is_not_kept():
    names = {logos.PreparedLogo.new_name() for _ in range(20)}
    assert len(names) == 20
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{22}\.png", name) for name in names)


# --- What is refused ----------------------------------------------------------------------------

SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b"<script>alert(1)</script><rect width='10' height='10'/></svg>"
)


@pytest.mark.parametrize(
    ("name", "content_type"),
    [("logo.svg", "image/svg+xml"), ("logo.png", "image/png"), ("logo.jpg", "image/jpeg")],
)
def test_svg_is_refused_whatever_it_is_called(name, content_type):
    refused_with(SVG, "not_an_image", name=name, content_type=content_type)


@pytest.mark.parametrize("fmt", ["GIF", "BMP", "TIFF", "ICO"])
def test_other_image_formats_are_refused(fmt):
    refused_with(image_bytes(fmt), "not_an_image")


def test_a_gif_png_polyglot_is_refused():
    gif, png = image_bytes("GIF"), image_bytes("PNG")
    # A GIF that carries a PNG after it, and a PNG signature over a GIF's body.
    refused_with(gif + png, "not_an_image")
    refused_with(png[:8] + gif, "not_an_image")
    refused_with(png[:33] + gif, "not_an_image")


def test_what_follows_a_real_png_is_not_kept():
    payload = b"<html><script>alert(document.cookie)</script></html>"
    logo = prepare_logo(upload(image_bytes("PNG") + payload))
    assert b"script" not in logo.content


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP"])
def test_a_truncated_file_is_refused(fmt):
    whole = image_bytes(fmt, size=(300, 300))
    refused_with(whole[: len(whole) // 2], "not_an_image")


def test_random_bytes_and_an_empty_file_are_refused():
    refused_with(b"\x00\x01garbage" * 50, "not_an_image")
    with pytest.raises(LogoRefused) as info:
        prepare_logo(io.BytesIO(b""))
    assert info.value.code == "empty"


@pytest.mark.parametrize("size", [(30000, 30000), (6000, 6000)])
def test_a_decompression_bomb_is_refused_without_decoding(monkeypatch, size):
    """30000x30000 trips Pillow's own limit as the header is read; 6000x6000 (36 megapixels)
    is under Pillow's limit and refused by ours, also before any pixel is decoded."""

    def no_decoding(self):
        raise AssertionError("the image was decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", no_decoding)
    content = png_claiming(*size)
    assert len(content) < 100
    error = refused_with(content, "too_many_pixels")
    assert "5,000 by 5,000 pixels" in error.message


def test_an_oversized_file_is_refused_before_it_is_read():
    class Unreadable(io.BytesIO):
        size = MAX_BYTES + 1

        def read(self, *args):
            raise AssertionError("the file was read")

    with pytest.raises(LogoRefused) as info:
        prepare_logo(Unreadable(b""))
    assert info.value.code == "too_big"
    # A file that says nothing of its size is read no further than the limit.
    refused_with(b"\x89PNG" + b"x" * MAX_BYTES, "too_big")


# --- The form field -----------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("content", "message"),
    [
        (SVG, "The logo must be a PNG, JPEG or WebP image."),
        (b"\x89PNG" + b"x" * MAX_BYTES, "The logo must be smaller than 2 MB."),
        (png_claiming(30000, 30000), "The logo is too large."),
        (b"", "The logo file is empty."),
    ],
)
def test_the_form_says_why_a_logo_was_refused(content, message):
    form = OrganisationForm({"name": "Riverside Trust"}, {"logo": upload(content)})
    assert not form.is_valid()
    assert form.errors["logo"][0].startswith(message)


@pytest.mark.django_db
def test_the_form_gives_the_services_a_prepared_logo():
    form = OrganisationForm({"name": "Riverside Trust"}, {"logo": upload(image_bytes("PNG"))})
    assert form.is_valid(), form.errors
    details = form.details()
    assert details.logo is not None
    assert details.logo.content.startswith(b"\x89PNG")
    assert (details.logo.width, details.logo.height) == (60, 30)
