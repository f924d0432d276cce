import pytest
from django.core.management import call_command
from wagtail.documents.models import Document
from wagtail.images.models import Image
from wagtail.models import Page, Site

from core.models import CampaignSettings
from home.models import StoryPage


def snapshot():
    return {
        "pages": sorted(Page.objects.values_list("pk", "url_path", "live")),
        "images": sorted(Image.objects.values_list("pk", "title")),
        "documents": sorted(Document.objects.values_list("pk", "title")),
        "sites": sorted(Site.objects.values_list("pk", "root_page_id", "is_default_site")),
        "settings": list(
            CampaignSettings.objects.values_list("campaign_name", "hashtag", "phone_number")
        ),
    }


@pytest.mark.django_db
def test_demo_content_is_idempotent_and_complete(client):
    call_command("load_demo_content", verbosity=0)
    first = snapshot()
    call_command("load_demo_content", verbosity=0)
    assert snapshot() == first

    assert StoryPage.objects.live().count() == 3
    assert first["documents"]
    assert first["settings"][0][2]
    for _, url_path, live in first["pages"]:
        if url_path.count("/") < 3 or not live:
            continue  # the tree root
        path = "/" + url_path.split("/", 2)[2]
        response = client.get(path)
        assert response.status_code == 200, path

    guide = Document.objects.get(title="Staying Connected guide")
    response = client.get(guide.url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert b"".join(response.streaming_content).startswith(b"%PDF-1.4")

    home = client.get("/").content.decode()
    assert "Together, no one needs to feel alone" in home
    assert "01632 960 123" in home
    assert "#RiversideTogether" in home
