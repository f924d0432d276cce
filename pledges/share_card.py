"""The picture shown when someone shares a pledge (Open Graph / Twitter card): the pledge, who
made it, and the campaign's name and hashtag in its colours. Drawn with Pillow and a system font,
so nothing is fetched from elsewhere; the PNG is kept in the cache for an hour unless the pledge
changes."""

import hashlib
import io

from django.core.cache import cache
from PIL import Image, ImageDraw

from core.drawing import ACCENT, BRAND, INK, SAND, WHITE, font, wrap

from .models import Pledge

WIDTH, HEIGHT = 1200, 630
# Short enough that a card erased with its pledge does not linger long in the cache.
CACHE_SECONDS = 3600
MARGIN = 80
BAND_HEIGHT = 120


def fit_text(text: str, *, width: int, height: int) -> tuple[object, list[str], int]:
    """The largest font size at which the quoted pledge fits the box."""
    for size in range(68, 27, -4):
        face = font(size, bold=True)
        lines = wrap(text, face, width)
        line_height = int(size * 1.25)
        if len(lines) * line_height <= height:
            return face, lines, line_height
    face = font(28, bold=True)
    line_height = 35
    lines = wrap(text, face, width)[: height // line_height]
    lines[-1] = lines[-1].rstrip(".,;: ") + "…"
    return face, lines, line_height


def draw_card(*, text: str, name: str, area: str, campaign_name: str, hashtag: str) -> bytes:
    image = Image.new("RGB", (WIDTH, HEIGHT), SAND)
    draw = ImageDraw.Draw(image)
    # A bar in the accent colour on the left, like the pledge quotes on the site.
    draw.rectangle((0, 0, 24, HEIGHT - BAND_HEIGHT), fill=ACCENT)

    label = font(30, bold=True)
    draw.text((MARGIN, 56), "I pledge to…", font=label, fill=ACCENT)

    box_top, box_bottom = 120, HEIGHT - BAND_HEIGHT - 110
    face, lines, line_height = fit_text(
        f"“{text}”", width=WIDTH - 2 * MARGIN, height=box_bottom - box_top
    )
    y = box_top
    for line in lines:
        draw.text((MARGIN, y), line, font=face, fill=INK)
        y += line_height

    byline = f"{name}, {area}" if area else name
    by_face = font(36)
    byline = wrap(byline, by_face, WIDTH - 2 * MARGIN)[0]
    draw.text((MARGIN, HEIGHT - BAND_HEIGHT - 80), byline, font=by_face, fill=INK)

    # The campaign band along the bottom.
    draw.rectangle((0, HEIGHT - BAND_HEIGHT, WIDTH, HEIGHT), fill=BRAND)
    band_face = font(40, bold=True)
    tag = f"#{hashtag}" if hashtag else ""
    tag_width = band_face.getlength(tag) if tag else 0
    name_width = WIDTH - 2 * MARGIN - tag_width - (40 if tag else 0)
    campaign_line = wrap(campaign_name, band_face, int(name_width))
    middle = HEIGHT - BAND_HEIGHT // 2
    if campaign_line:
        draw.text((MARGIN, middle), campaign_line[0], font=band_face, fill=WHITE, anchor="lm")
    if tag:
        draw.text((WIDTH - MARGIN, middle), tag, font=band_face, fill=WHITE, anchor="rm")

    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def card_cache_key(pledge_id: int) -> str:
    return f"pledges:card:{pledge_id}"


def share_card_png(*, pledge: Pledge, campaign_name: str, hashtag: str) -> bytes:
    """The pledge's card as PNG bytes, drawn once and kept while its words stay the same."""
    parts = {
        "text": pledge.text,
        "name": pledge.display_name,
        "area": pledge.area.name,
        "campaign_name": campaign_name,
        "hashtag": hashtag,
    }
    digest = hashlib.sha256(repr(sorted(parts.items())).encode()).hexdigest()
    cached = cache.get(card_cache_key(pledge.pk))
    if cached and cached[0] == digest:
        return cached[1]
    png = draw_card(**parts)
    cache.set(card_cache_key(pledge.pk), (digest, png), CACHE_SECONDS)
    return png


def forget_share_card(*, pledge_id: int) -> None:
    """Drop a pledge's cached card (it holds a name) when the pledge is erased."""
    cache.delete(card_cache_key(pledge_id))
