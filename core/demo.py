"""What every app's demo content uses: a page made once under its parent, rich text and
stream values, and the demo borough's areas. Each app builds its own demo content (its
`demo.py`) through its own services; `load_demo_content` composes them."""

import json

from core.models import Area

# Fictional districts of the demo borough of Riverside.
AREAS = ["Old Town", "Northbank", "Millbrook", "Eastfield", "Harbourside", "Westmoor"]


def rich(*paragraphs: str) -> str:
    return "".join(f"<p>{p}</p>" for p in paragraphs)


def stream(*blocks: tuple[str, object]) -> str:
    return json.dumps([{"type": kind, "value": value} for kind, value in blocks])


def child_page(parent, model, slug, **fields):
    """The child page with this slug, made and published if it is not there yet."""
    existing = model.objects.child_of(parent).filter(slug=slug).first()
    if existing:
        return existing
    page = model(slug=slug, **fields)
    parent.add_child(instance=page)
    page.save_revision().publish()
    return page


def demo_areas() -> dict[str, Area]:
    return {
        name: Area.objects.get_or_create(name=name, defaults={"sort_order": order})[0]
        for order, name in enumerate(AREAS)
    }
