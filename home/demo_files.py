"""Files for the demo campaign, made locally: placeholder pictures and the Staying Connected guide."""

import io
import random

from PIL import Image as PILImage
from PIL import ImageDraw

PALETTES = [
    ((246, 239, 230), (122, 46, 14), (11, 94, 87)),
    ((231, 243, 241), (11, 94, 87), (200, 120, 60)),
    ((252, 236, 220), (170, 80, 40), (60, 90, 140)),
    ((240, 235, 248), (90, 60, 130), (200, 110, 80)),
]


def placeholder_image(seed: int, width: int = 1200, height: int = 800) -> bytes:
    """A warm abstract picture of overlapping circles (people coming together), as PNG bytes."""
    rng = random.Random(seed)
    background, first, second = PALETTES[seed % len(PALETTES)]
    image = PILImage.new("RGB", (width, height), background)
    draw = ImageDraw.Draw(image, "RGBA")
    for _ in range(14):
        colour = rng.choice([first, second])
        radius = rng.randint(height // 10, height // 3)
        x, y = rng.randint(0, width), rng.randint(0, height)
        draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=(*colour, 90))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def _pdf_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def simple_pdf(title: str, paragraphs: list[str]) -> bytes:
    """A small text PDF (A4, Helvetica, wrapped lines, several pages as needed), with a title in
    its metadata so screen readers announce it. Enough for a demo download; no libraries needed."""
    lines: list[tuple[str, int]] = [(title, 20), ("", 12)]
    for paragraph in paragraphs:
        words, current = paragraph.split(), ""
        for word in words:
            if len(current) + len(word) + 1 > 85:
                lines.append((current, 12))
                current = word
            else:
                current = f"{current} {word}".strip()
        lines.append((current, 12))
        lines.append(("", 12))

    per_page = 46
    pages = [lines[i : i + per_page] for i in range(0, len(lines), per_page)]
    objects: list[bytes] = []
    page_ids = [4 + 2 * i for i in range(len(pages))]
    objects.append(b"<< /Type /Catalog /Pages 2 0 R /Lang (en-GB) >>")
    kids = " ".join(f"{pid} 0 R" for pid in page_ids)
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {len(pages)} >>".encode())
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    for page_lines in pages:
        stream = ["BT", "/F1 12 Tf", "56 790 Td"]
        for text, size in page_lines:
            stream.append(f"/F1 {size} Tf")
            stream.append(f"({_pdf_escape(text)}) Tj")
            stream.append(f"0 -{size + 4} Td")
        stream.append("ET")
        content = "\n".join(stream).encode("latin-1", "replace")
        content_id = len(objects) + 2
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
            f"/Resources << /Font << /F1 3 0 R >> >> /Contents {content_id} 0 R >>".encode()
        )
        objects.append(b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream")
    objects.append(f"<< /Title ({_pdf_escape(title)}) >>".encode())
    info_id = len(objects)

    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    out.write(
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R /Info {info_id} 0 R >>\n"
        f"startxref\n{xref}\n%%EOF\n".encode()
    )
    return out.getvalue()
