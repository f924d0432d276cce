"""The badge an employer puts on its website: the campaign's name, "Workplace pledge", the
organisation's name and the pledge year, drawn here as SVG and PNG (nothing fetched from
elsewhere). Its embed code links to the verification page, which says whether the pledge is
current: the badge itself never claims more than that it was made."""

import io
from xml.sax.saxutils import escape

from django.utils.html import escape as html_escape
from PIL import Image, ImageDraw

from core.drawing import ACCENT, BRAND, SAND, WHITE, font, wrap

WIDTH, HEIGHT = 400, 200  # the SVG's size; the PNG is drawn at twice it
NAME_WIDTH = WIDTH - 48
NAME_LINES = 2
NAME_SIZE = 22


def _name_lines(name: str) -> list[str]:
    """The name in at most two lines at the badge's size (measured with the PNG's font, close
    to a browser's sans-serif), the second cut short with an ellipsis if need be."""
    lines = wrap(name, font(NAME_SIZE, bold=True), NAME_WIDTH) or [""]
    if len(lines) > NAME_LINES:
        lines = lines[:NAME_LINES]
        lines[-1] = lines[-1].rstrip(".,;: ") + "…"
    return lines


def alt_text(*, organisation: str, year: int) -> str:
    return f"{organisation} signed the workplace pledge on loneliness in {year}"


def badge_svg(*, organisation: str, year: int, campaign: str) -> str:
    """Every piece of text is escaped: a name like `</text><script>` stays text."""
    lines = _name_lines(organisation)
    label = escape(alt_text(organisation=organisation, year=year))
    name_top = 118 if len(lines) == 1 else 106
    names = "".join(
        f'<text x="24" y="{name_top + n * 28}" font-size="{NAME_SIZE}" font-weight="bold" '
        f'fill="#1d1d1b">{escape(line)}</text>'
        for n, line in enumerate(lines)
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-labelledby="badge-title">'
        f'<title id="badge-title">{label}</title>'
        f'<rect width="{WIDTH}" height="{HEIGHT}" rx="12" fill="#f6efe6"/>'
        f'<rect width="{WIDTH}" height="52" rx="12" fill="#7a2e0e"/>'
        f'<rect y="40" width="{WIDTH}" height="12" fill="#7a2e0e"/>'
        f'<g font-family="DejaVu Sans, Verdana, Arial, sans-serif">'
        f'<text x="24" y="34" font-size="18" font-weight="bold" fill="#ffffff">'
        f"{escape(campaign)}</text>"
        f'<text x="24" y="80" font-size="16" font-weight="bold" fill="#0b5e57">'
        f"Workplace pledge on loneliness</text>"
        f"{names}"
        f'<text x="24" y="180" font-size="16" fill="#1d1d1b">Signed {year} · check it is current</text>'
        f"</g></svg>"
    )


def badge_png(*, organisation: str, year: int, campaign: str) -> bytes:
    scale = 2
    image = Image.new("RGB", (WIDTH * scale, HEIGHT * scale), SAND)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, WIDTH * scale, 52 * scale), fill=BRAND)
    campaign_face = font(18 * scale, bold=True)
    campaign_line = wrap(campaign, campaign_face, (WIDTH - 48) * scale) or [""]
    draw.text(
        (24 * scale, 34 * scale), campaign_line[0], font=campaign_face, fill=WHITE, anchor="ls"
    )
    draw.text(
        (24 * scale, 80 * scale),
        "Workplace pledge on loneliness",
        font=font(16 * scale, bold=True),
        fill=ACCENT,
        anchor="ls",
    )
    lines = _name_lines(organisation)
    name_top = 118 if len(lines) == 1 else 106
    for n, line in enumerate(lines):
        draw.text(
            (24 * scale, (name_top + n * 28) * scale),
            line,
            font=font(NAME_SIZE * scale, bold=True),
            fill=(29, 29, 27),
            anchor="ls",
        )
    draw.text(
        (24 * scale, 180 * scale),
        f"Signed {year} · check it is current",
        font=font(16 * scale),
        fill=(29, 29, 27),
        anchor="ls",
    )
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def embed_code(*, verify_url: str, image_url: str, organisation: str, year: int) -> str:
    """What an employer pastes into its website: the badge, linking to its verification. A
    plain string (pages show it as text), its parts escaped for the HTML it is."""
    alt = alt_text(organisation=organisation, year=year) + ": check it is current"
    return (
        f'<a href="{html_escape(verify_url)}"><img src="{html_escape(image_url)}" '
        f'alt="{html_escape(alt)}" width="{WIDTH // 2}" height="{HEIGHT // 2}"></a>'
    )
