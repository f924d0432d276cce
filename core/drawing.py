"""Pictures the site draws itself (a pledge's share card, an employer's badge): the site's
colours and a TrueType font from the system, or Pillow's own, so nothing is fetched from
elsewhere; and text wrapped to a width."""

import functools

from PIL import ImageFont

# The site's colours (static/css/site.css): sand, ink, brand and accent.
SAND = (246, 239, 230)
INK = (29, 29, 27)
BRAND = (122, 46, 14)
ACCENT = (11, 94, 87)
WHITE = (255, 255, 255)
FONT_DIRS = ("/usr/share/fonts/truetype/dejavu/", "/usr/share/fonts/truetype/liberation/", "")
REGULAR = ("DejaVuSans.ttf", "LiberationSans-Regular.ttf")
BOLD = ("DejaVuSans-Bold.ttf", "LiberationSans-Bold.ttf")


@functools.lru_cache(maxsize=64)
def font(size: int, *, bold: bool = False) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    """A system TrueType font (Debian's DejaVu), or Pillow's own font where none is installed."""
    for name in BOLD if bold else REGULAR:
        for folder in FONT_DIRS:
            try:
                return ImageFont.truetype(folder + name, size)
            except OSError:
                continue
    return ImageFont.load_default(size=size)


def wrap(text: str, face, width: int) -> list[str]:
    """Break text into lines no wider than `width`, splitting words only when one is too long."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        while face.getlength(word) > width:
            # A very long word: put as much as fits on its own line.
            cut = len(word)
            while cut > 1 and face.getlength(word[:cut]) > width:
                cut -= 1
            if line:
                lines.append(line)
                line = ""
            lines.append(word[:cut])
            word = word[cut:]
        candidate = f"{line} {word}".strip()
        if face.getlength(candidate) <= width:
            line = candidate
        else:
            lines.append(line)
            line = word
    if line:
        lines.append(line)
    return lines
