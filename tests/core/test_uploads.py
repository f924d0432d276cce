"""Uploads are checked for type and size; SVG (which can carry scripts) is refused."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image as PILImage
from wagtail.images.models import Image

from tests.factories import UserFactory, make_site

SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


@pytest.fixture
def editor_client(client, db):
    make_site()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def png_bytes():
    buffer = io.BytesIO()
    PILImage.new("RGB", (20, 20), (200, 100, 50)).save(buffer, format="PNG")
    return buffer.getvalue()


def test_png_image_upload_is_accepted(editor_client):
    upload = SimpleUploadedFile("photo.png", png_bytes(), content_type="image/png")
    response = editor_client.post("/admin/images/add/", {"title": "Photo", "file": upload})
    assert response.status_code == 302
    assert Image.objects.filter(title="Photo").exists()


def test_svg_image_upload_is_refused(editor_client):
    upload = SimpleUploadedFile("logo.svg", SVG, content_type="image/svg+xml")
    response = editor_client.post("/admin/images/add/", {"title": "Logo", "file": upload})
    assert response.status_code == 200
    assert not Image.objects.filter(title="Logo").exists()
    assert "Not a supported image format" in response.content.decode()


def test_document_of_unknown_type_is_refused(editor_client, settings):
    from wagtail.documents.models import Document

    upload = SimpleUploadedFile("page.html", b"<script>alert(1)</script>", content_type="text/html")
    response = editor_client.post("/admin/documents/add/", {"title": "Page", "file": upload})
    assert response.status_code == 200
    assert not Document.objects.filter(title="Page").exists()


def test_documents_are_served_as_attachments(editor_client):
    from wagtail.documents.models import Document

    upload = SimpleUploadedFile("guide.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    document = Document.objects.create(title="Guide", file=upload)
    editor_client.logout()
    response = editor_client.get(document.url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
