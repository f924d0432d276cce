"""Malformed input to Wagtail's admin is a 4xx with a message, never a server error: object ids
that are not numbers."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from wagtail.admin.views.bulk_action.registry import bulk_action_registry
from wagtail.documents.models import Document
from wagtail.snippets.models import get_snippet_models

from tests.factories import StandardPageFactory, UserFactory, make_site


@pytest.fixture
def home(db):
    return make_site()


@pytest.fixture
def superuser_client(client, home):
    client.force_login(UserFactory(is_superuser=True))
    client.raise_request_exception = False
    return client


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


def test_documents_with_a_bad_id_are_not_found_but_good_ones_are(superuser_client):
    document = Document.objects.create(
        title="Leaflet", file=SimpleUploadedFile("leaflet.pdf", b"%PDF-1.4")
    )
    url = f"/admin/documents/chooser/chosen/{document.pk}/"
    assert superuser_client.get(url).status_code == 200
    assert superuser_client.get(url.replace(str(document.pk), f"{document.pk}a")).status_code == 404
