import pytest
from wagtail import blocks

from core.blocks import LinkBlock, SignpostBlock, VideoBlock, video_embed_url


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "https://www.youtube.com/watch?v=abc123XYZ_-",
            "https://www.youtube-nocookie.com/embed/abc123XYZ_-",
        ),
        ("https://youtu.be/abc123", "https://www.youtube-nocookie.com/embed/abc123"),
        ("https://vimeo.com/76979871", "https://player.vimeo.com/video/76979871?dnt=1"),
        ("https://www.youtube.com/watch?v=<script>", None),
        ("https://evil.example.org/watch?v=abc", None),
        ("javascript:alert(1)", None),
    ],
)
def test_video_embed_url_only_accepts_known_players(url, expected):
    assert video_embed_url(url) == expected


def test_video_block_rejects_other_sites():
    block = VideoBlock()
    value = block.to_python({"url": "https://example.org/video", "title": "A video"})
    with pytest.raises(blocks.StructBlockValidationError):
        block.clean(value)


def test_signpost_needs_a_phone_or_website():
    block = SignpostBlock()
    with pytest.raises(blocks.StructBlockValidationError):
        block.clean(
            {
                "name": "Connect Well",
                "description": "",
                "phone": "",
                "website": "",
                "opening_hours": "",
            }
        )
    assert (
        block.clean(
            {
                "name": "Samaritans",
                "description": "",
                "phone": "116 123",
                "website": "",
                "opening_hours": "",
            }
        )["phone"]
        == "116 123"
    )


@pytest.mark.django_db
def test_link_block_needs_exactly_one_target():
    block = LinkBlock()
    with pytest.raises(blocks.StructBlockValidationError):
        block.clean({"page": None, "url": ""})
    assert block.clean({"page": None, "url": "https://example.org"})["url"] == "https://example.org"


def test_every_block_has_icon_template_and_description():
    from home.blocks import BaseStreamBlock

    for name, block in BaseStreamBlock.base_blocks.items():
        meta = block.meta
        assert meta.icon, name
        assert meta.icon != "placeholder", name
        assert getattr(meta, "template", None), name
        assert getattr(meta, "description", ""), name


@pytest.mark.django_db
def test_blocks_with_preview_values_render_their_preview(client):
    from home.blocks import BaseStreamBlock
    from tests.factories import UserFactory, make_site

    make_site()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    for name, block in BaseStreamBlock.base_blocks.items():
        # The story list is empty until stories exist; its own tests cover it.
        if not getattr(block.meta, "preview_value", None) or name == "story_teasers":
            continue
        html = block.render(block.get_preview_value())
        assert html.strip(), name


@pytest.mark.django_db
def test_image_and_document_blocks_preview_with_the_newest_files():
    from django.core.files.base import ContentFile
    from wagtail.documents.models import Document
    from wagtail.images.models import Image
    from wagtail.images.tests.utils import get_test_image_file

    from core.blocks import DocumentBlock, ImageBlock

    # A new site has no files yet: the previews render nothing rather than fail.
    assert ImageBlock().render(ImageBlock().get_preview_value()).strip() == ""
    Image.objects.create(title="Garden", file=get_test_image_file())
    Document.objects.create(title="Guide", file=ContentFile(b"%PDF-1.4", name="guide.pdf"))
    image_html = ImageBlock().render(ImageBlock().get_preview_value())
    assert 'alt="Neighbours talking over a garden fence"' in image_html
    document_html = DocumentBlock().render(DocumentBlock().get_preview_value())
    assert "Guide" in document_html
    assert "PDF" in document_html
