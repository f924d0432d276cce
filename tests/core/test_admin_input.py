"""Malformed input to Wagtail's admin is a 4xx with a message, never a server error: image
files that only look like images, object ids that are not numbers, and stored text that a
spreadsheet cannot hold."""

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image as PILImage
from wagtail.admin.views.bulk_action.registry import bulk_action_registry
from wagtail.documents.models import Document
from wagtail.images.models import Image
from wagtail.snippets.models import get_snippet_models

from tests.factories import StandardPageFactory, UserFactory, make_site

# Starts like a GIF (the bytes Wagtail looks at to tell the type), then is not one.
GIF_POLYGLOT = b"GIF89a\x01\x00\x01\x00" + b"<script>alert(1)</script>" * 8
NOT_AN_IMAGE = "Upload a valid image."


def real_gif() -> bytes:
    buffer = io.BytesIO()
    PILImage.new("P", (4, 4)).save(buffer, format="GIF")
    return buffer.getvalue()


@pytest.fixture
def home(db):
    return make_site()


@pytest.fixture
def superuser_client(client, home):
    client.force_login(UserFactory(is_superuser=True))
    client.raise_request_exception = False
    return client


def test_a_gif_polyglot_is_refused_by_the_upload_form(superuser_client):
    upload = SimpleUploadedFile("hello.gif", GIF_POLYGLOT, content_type="image/gif")
    response = superuser_client.post("/admin/images/add/", {"title": "Hello", "file": upload})
    assert response.status_code == 200  # the form again, as for any invalid form
    html = response.content.decode()
    # Wagtail's field error, shown by the file field with its label.
    file_field = html[html.index('for="id_file"') :]
    assert "w-field--error" in file_field[:400]
    assert NOT_AN_IMAGE in file_field[:1200]
    assert not Image.objects.exists()


def test_a_gif_polyglot_is_refused_by_the_multiple_uploader(superuser_client):
    upload = SimpleUploadedFile("hello.gif", GIF_POLYGLOT, content_type="image/gif")
    response = superuser_client.post("/admin/images/multiple/add/", {"files[]": upload})
    assert response.status_code == 200
    assert response.json()["success"] is False
    assert NOT_AN_IMAGE in response.json()["error_message"]
    assert not Image.objects.exists()


def test_a_gif_polyglot_is_refused_by_the_choosers_upload_tab(superuser_client):
    upload = SimpleUploadedFile("hello.gif", GIF_POLYGLOT, content_type="image/gif")
    response = superuser_client.post(
        "/admin/images/chooser/create/",
        {"image-chooser-upload-title": "Hello", "image-chooser-upload-file": upload},
    )
    assert response.status_code == 200
    assert response.json()["step"] == "reshow_creation_form"
    assert NOT_AN_IMAGE in response.json()["htmlFragment"]
    assert not Image.objects.exists()


def test_a_real_gif_is_still_accepted(superuser_client):
    upload = SimpleUploadedFile("dot.gif", real_gif(), content_type="image/gif")
    response = superuser_client.post("/admin/images/add/", {"title": "Dot", "file": upload})
    assert response.status_code == 302
    image = Image.objects.get(title="Dot")
    assert (image.width, image.height) == (4, 4)
    # Editing it keeps the stored file: the edit form needs no new upload.
    response = superuser_client.post(f"/admin/images/{image.pk}/", {"title": "Dot 2"})
    assert response.status_code == 302
    assert Image.objects.get(pk=image.pk).title == "Dot 2"


def test_the_multiple_uploaders_edit_form_works_without_a_file_field(superuser_client):
    upload = SimpleUploadedFile("dot.gif", real_gif(), content_type="image/gif")
    response = superuser_client.post("/admin/images/multiple/add/", {"files[]": upload})
    assert response.json()["success"] is True
    image = Image.objects.get()
    response = superuser_client.post(
        f"/admin/images/multiple/{image.pk}/", {f"image-{image.pk}-title": "Renamed"}
    )
    assert response.json()["success"] is True
    assert Image.objects.get().title == "Renamed"


def malformed_id_urls(home) -> list[str]:
    """Every admin URL that takes an object id, given one that is not a number."""
    urls = [
        "/admin/images/chooser/chosen/x/",
        "/admin/images/chooser/chosen/1x/",
        "/admin/documents/chooser/chosen/x/",
        "/admin/images/chooser/chosen-multiple/?id=x",
        "/admin/documents/chooser/chosen-multiple/?id=x",
        "/admin/choose-page/chosen-multiple/?id=x",
        f"/admin/choose-page/{home.pk}/?target_pages[]=x",
        "/admin/bulk/wagtailcore/page/delete/?id=all&childOf=x",
        "/admin/bulk/nosuchapp/nosuchmodel/delete/?id=1",
    ]
    for model in get_snippet_models():
        app, name = model._meta.app_label, model._meta.model_name
        urls.append(f"/admin/snippets/choose/{app}/{name}/chosen/x/")
    for app, models in bulk_action_registry.actions.items():
        for name, actions in models.items():
            urls += [f"/admin/bulk/{app}/{name}/{action}/?id=x" for action in actions]
            urls += [f"/admin/bulk/{app}/{name}/{action}/?id=1&id=%C2%B2" for action in actions]
    return urls


def test_object_ids_that_are_not_numbers_are_not_found(superuser_client, home):
    bulk_action_registry._scan_for_bulk_actions()
    urls = malformed_id_urls(home)
    assert len(urls) > 40
    seen = {url: superuser_client.get(url).status_code for url in urls}
    assert seen == dict.fromkeys(urls, 404)


def test_select_all_still_reaches_a_bulk_action(superuser_client, home):
    page = StandardPageFactory(parent=home, title="Walking group times")
    response = superuser_client.get(
        f"/admin/bulk/wagtailcore/page/unpublish/?id=all&childOf={home.pk}"
    )
    assert response.status_code == 200
    assert page.title in response.content.decode()


def test_wagtails_own_exports_hold_whatever_is_stored(superuser_client, home):
    """The site history report exports page titles as they were typed."""
    title = '\x0c=HYPERLINK("http://evil.example")\x1b'
    StandardPageFactory(parent=home, title=title)
    response = superuser_client.get("/admin/reports/site-history/", {"export": "xlsx"})
    assert response.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    cells = [cell for row in workbook.active.iter_rows() for cell in row]
    assert '\ufffd=HYPERLINK("http://evil.example")\ufffd' in {cell.value for cell in cells}
    assert all(cell.data_type != "f" for cell in cells)
    response = superuser_client.get("/admin/reports/site-history/", {"export": "csv"})
    text = b"".join(response.streaming_content).decode()
    assert "\x0c" not in text
    assert "\ufffd=HYPERLINK" in text


def test_documents_with_a_bad_id_are_not_found_but_good_ones_are(superuser_client):
    document = Document.objects.create(
        title="Leaflet", file=SimpleUploadedFile("leaflet.pdf", b"%PDF-1.4")
    )
    url = f"/admin/documents/chooser/chosen/{document.pk}/"
    assert superuser_client.get(url).status_code == 200
    assert superuser_client.get(url.replace(str(document.pk), f"{document.pk}a")).status_code == 404
