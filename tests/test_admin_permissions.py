"""Every admin URL of every model asks the permission its listing asks, for every role.

The walk covers every snippet model (taken from Wagtail's registry, so a new one must be added
to the tables below) and images, documents, pages, users, groups, the campaign and workplace
pledge settings and the workplace pledge figures: listing, results, inspect, edit, delete,
copy, history, usage, revisions, chooser, every registered bulk action and export, and the
review queue's decisions. Each role's outcome is checked against the table, and no
response to a role that may not see a model's listing contains that model's items."""

import importlib
import io
import textwrap
from dataclasses import dataclass

import pytest
from django.apps import apps as django_apps
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import AutoField, BigAutoField
from PIL import Image as PILImage
from wagtail.admin.views.bulk_action.registry import bulk_action_registry
from wagtail.admin.viewsets import viewsets
from wagtail.admin.viewsets.chooser import ChooserViewSet
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.documents.models import Document
from wagtail.images.models import Image
from wagtail.models import Page, Site
from wagtail.snippets.models import get_snippet_models
from wagtail.test.utils.form_data import nested_form_data, rich_text, streamfield

from core.admin import SnippetViewSet
from employers.models import CheckInStep, EmployerForReview
from employers.services import planning
from home.models import StandardPage
from mailings.models import EmailCopy, OutboundEmail, Suppression
from pledges.models import PledgeForModeration, ReminderStep
from tests.admin_roles import DENIED, LOGIN, NOT_FOUND, OK, login, member_of, outcome
from tests.admin_roles import put_roles_back as roles_from_migrations
from tests.employers.factories import (
    CommitmentFactory,
    EmployerFactory,
    SectorFactory,
    member,
    ready_plan,
)
from tests.factories import StandardPageFactory, UserFactory, make_site
from tests.pledges.factories import AreaFactory, PledgeFactory, PledgeSuggestionFactory

# The roles, in the tables' column order. Anonymous people and people who cannot use the admin
# are not in the tables: every admin URL sends them to sign in.
ROLES = ["editor", "page moderator", "pledge moderator", "data officer", "pledge taker", "super"]
GROUP_OF = {
    "editor": "Editors",
    "page moderator": "Moderators",  # Wagtail's page approvers
    "pledge moderator": "Pledge moderators",
    "data officer": "Data officers",
    "pledge taker": "Pledge takers",
}
CELLS = {"ok": OK, "-": DENIED, "404": NOT_FOUND, "405": "405"}
CELL_OF = {value: cell for cell, value in CELLS.items()}


def table(text: str) -> dict[str, dict[str, str]]:
    """Lines of 'admin page  cell cell …', one cell per role in ROLES: ok, - (refused), 404 or
    405 (a page that answers POST only, to those who may use it).
    The page name and the cells are separated by two spaces or more."""
    rows = {}
    for line in textwrap.dedent(text).strip().splitlines():
        name, cells = line.split("  ", 1)
        rows[name.strip()] = dict(zip(ROLES, (CELLS[c] for c in cells.split()), strict=True))
    return rows


def as_table(rows: dict[str, dict[str, str]]) -> str:
    return "\n".join(
        f"    {name:<26}" + " ".join(f"{CELL_OF.get(v, v):<4}" for v in cells.values())
        for name, cells in rows.items()
    )


# fmt: off
# Nothing chooses a snippet, so no snippet has a chooser (Wagtail's would list every item to
# anyone who can use the admin). Nobody edits, copies or deletes a pledge or an email here:
# they change only through the services.
#                             editor page-mod pledge-mod officer taker super
SNIPPET_DEFAULTS = table("""
    revisions                 404  404  404  404  404  404
    choose                    404  404  404  404  404  404
    choose results            404  404  404  404  404  404
    chosen                    404  404  404  404  404  404
    chosen multiple           404  404  404  404  404  404
""")
EDITORS_CONTENT = table("""
    list                      ok   -    -    -    -    ok
    results                   ok   -    -    -    -    ok
    add                       ok   -    -    -    -    ok
    inspect                   404  404  404  404  404  404
    edit                      ok   -    -    -    -    ok
    copy                      ok   -    -    -    -    ok
    history                   ok   -    -    -    -    ok
    usage                     ok   -    -    -    -    ok
    export csv                ok   -    -    -    -    ok
    export xlsx               ok   -    -    -    -    ok
    bulk delete               ok   -    -    -    -    ok
""")
EXPECTED = {
    "pledges.pledgesuggestion": EDITORS_CONTENT | table("""
    delete                    ok   -    -    -    -    ok
    preview                   404  404  404  404  404  404
    """),
    "core.area": EDITORS_CONTENT | table("""
    delete                    -    -    -    -    -    ok
    preview                   404  404  404  404  404  404
    """),
    "pledges.reminderstep": EDITORS_CONTENT | table("""
    delete                    -    -    -    -    -    ok
    preview                   ok   -    -    -    -    ok
    """),
    "pledges.pledgeformoderation": table("""
    list                      -    -    ok   -    -    ok
    results                   -    -    ok   -    -    ok
    add                       -    -    -    -    -    -
    inspect                   -    -    ok   -    -    ok
    edit                      -    -    -    -    -    -
    delete                    -    -    -    -    -    -
    copy                      404  404  404  404  404  404
    history                   -    -    ok   -    -    ok
    usage                     -    -    -    -    -    -
    preview                   404  404  404  404  404  404
    export csv                -    -    ok   -    -    ok
    export xlsx               -    -    ok   -    -    ok
    bulk approve              -    -    ok   -    -    ok
    bulk reject               -    -    ok   -    -    ok
    bulk delete               -    -    ok   -    -    ok
    """),
    "pledges.pledge": table("""
    list                      -    -    -    ok   -    ok
    results                   -    -    -    ok   -    ok
    add                       -    -    -    -    -    -
    inspect                   -    -    -    ok   -    ok
    edit                      -    -    -    -    -    -
    delete                    -    -    -    -    -    -
    copy                      404  404  404  404  404  404
    history                   -    -    -    ok   -    ok
    usage                     -    -    -    -    -    -
    preview                   404  404  404  404  404  404
    export csv                -    -    -    ok   -    ok
    export xlsx               -    -    -    ok   -    ok
    bulk delete               -    -    -    ok   -    ok
    """),
    # The outbox and the suppression list are for superusers: read-only.
    "mailings.outboundemail": table("""
    list                      -    -    -    -    -    ok
    results                   -    -    -    -    -    ok
    add                       -    -    -    -    -    -
    inspect                   -    -    -    -    -    ok
    edit                      -    -    -    -    -    -
    delete                    -    -    -    -    -    -
    copy                      -    -    -    -    -    -
    history                   -    -    -    -    -    -
    usage                     -    -    -    -    -    -
    preview                   404  404  404  404  404  404
    export csv                -    -    -    -    -    ok
    export xlsx               -    -    -    -    -    ok
    bulk delete               -    -    -    -    -    ok
    """),
    "mailings.suppression": table("""
    list                      -    -    -    -    -    ok
    results                   -    -    -    -    -    ok
    add                       -    -    -    -    -    -
    inspect                   404  404  404  404  404  404
    edit                      -    -    -    -    -    -
    delete                    -    -    -    -    -    -
    copy                      -    -    -    -    -    -
    history                   -    -    -    -    -    -
    usage                     -    -    -    -    -    -
    preview                   404  404  404  404  404  404
    export csv                -    -    -    -    -    ok
    export xlsx               -    -    -    -    -    ok
    bulk delete               -    -    -    -    -    ok
    """),
    "mailings.emailcopy": table("""
    list                      -    -    -    -    -    ok
    results                   -    -    -    -    -    ok
    add                       -    -    -    -    -    ok
    inspect                   404  404  404  404  404  404
    edit                      -    -    -    -    -    ok
    delete                    -    -    -    -    -    ok
    copy                      -    -    -    -    -    ok
    history                   -    -    -    -    -    ok
    usage                     -    -    -    -    -    ok
    preview                   -    -    -    -    -    ok
    export csv                -    -    -    -    -    ok
    export xlsx               -    -    -    -    -    ok
    bulk delete               -    -    -    -    -    ok
    """),
    # The workplace pledge: the comms team keeps the commitments, sectors and check-in emails
    # (none deleted: employers' plans and the schedule refer to them). Wagtail's Moderators
    # review plans and see employers without their members; Data officers see the members,
    # export them and mark the lead employer. Nobody adds, edits or deletes a submission; the
    # decisions answer POST only.
    "employers.commitment": EDITORS_CONTENT | table("""
    delete                    -    -    -    -    -    ok
    preview                   404  404  404  404  404  404
    """),
    "employers.sector": EDITORS_CONTENT | table("""
    delete                    -    -    -    -    -    ok
    preview                   404  404  404  404  404  404
    """),
    "employers.checkinstep": EDITORS_CONTENT | table("""
    delete                    -    -    -    -    -    ok
    preview                   ok   -    -    -    -    ok
    """),
    "employers.submission": table("""
    list                      -    ok   -    -    -    ok
    results                   -    ok   -    -    -    ok
    add                       -    -    -    -    -    -
    inspect                   -    ok   -    -    -    ok
    edit                      -    -    -    -    -    -
    delete                    -    -    -    -    -    -
    copy                      404  404  404  404  404  404
    history                   -    ok   -    -    -    ok
    usage                     -    -    -    -    -    -
    preview                   404  404  404  404  404  404
    export csv                -    ok   -    -    -    ok
    export xlsx               -    ok   -    -    -    ok
    bulk delete               -    ok   -    -    -    ok
    approve                   -    405  -    -    -    405
    request changes           -    405  -    -    -    405
    reject                    -    405  -    -    -    405
    """),
    "employers.employerforreview": table("""
    list                      -    ok   -    -    -    ok
    results                   -    ok   -    -    -    ok
    add                       -    -    -    -    -    -
    inspect                   -    ok   -    -    -    ok
    edit                      -    -    -    -    -    -
    delete                    -    -    -    -    -    -
    copy                      404  404  404  404  404  404
    history                   -    ok   -    -    -    ok
    usage                     -    -    -    -    -    -
    preview                   404  404  404  404  404  404
    export csv                -    ok   -    -    -    ok
    export xlsx               -    ok   -    -    -    ok
    bulk delete               -    ok   -    -    -    ok
    """),
    "employers.employer": table("""
    list                      -    -    -    ok   -    ok
    results                   -    -    -    ok   -    ok
    add                       -    -    -    -    -    -
    inspect                   -    -    -    ok   -    ok
    edit                      -    -    -    ok   -    ok
    delete                    -    -    -    -    -    -
    copy                      404  404  404  404  404  404
    history                   -    -    -    ok   -    ok
    usage                     -    -    -    ok   -    ok
    preview                   404  404  404  404  404  404
    export csv                -    -    -    ok   -    ok
    export xlsx               -    -    -    ok   -    ok
    bulk delete               -    -    -    ok   -    ok
    """),
    "workplace figures": table("""
    index                     ok   ok   -    ok   -    ok
    """),
    "workplace settings": table("""
    edit                      ok   -    -    -    -    ok
    """),
    # Editors and Wagtail's Moderators look after pages, images and documents; the pledge
    # roles have nothing to do with them. Choosers ask Wagtail's "choose" permission.
    "images": table("""
    list                      ok   ok   -    -    -    ok
    results                   ok   ok   -    -    -    ok
    add                       ok   ok   -    -    -    ok
    add multiple              ok   ok   -    -    -    ok
    edit                      ok   ok   -    -    -    ok
    delete                    ok   ok   -    -    -    ok
    usage                     ok   ok   -    -    -    ok
    choose                    ok   ok   ok   ok   ok   ok
    choose results            ok   ok   ok   ok   ok   ok
    chosen                    ok   ok   -    -    -    ok
    chosen multiple           ok   ok   ok   ok   ok   ok
    select format             ok   ok   -    -    -    ok
    admin api                 ok   ok   -    -    -    ok
    admin api item            ok   ok   -    -    -    ok
    bulk add_tags             ok   ok   -    -    -    ok
    bulk add_to_collection    ok   ok   -    -    -    ok
    bulk delete               ok   ok   -    -    -    ok
    """),
    "documents": table("""
    list                      ok   ok   -    -    -    ok
    results                   ok   ok   -    -    -    ok
    add                       ok   ok   -    -    -    ok
    add multiple              ok   ok   -    -    -    ok
    edit                      ok   ok   -    -    -    ok
    delete                    ok   ok   -    -    -    ok
    usage                     ok   ok   -    -    -    ok
    choose                    ok   ok   ok   ok   ok   ok
    choose results            ok   ok   ok   ok   ok   ok
    chosen                    ok   ok   -    -    -    ok
    chosen multiple           ok   ok   ok   ok   ok   ok
    admin api                 ok   ok   -    -    -    ok
    admin api item            ok   ok   -    -    -    ok
    bulk add_tags             ok   ok   -    -    -    ok
    bulk add_to_collection    ok   ok   -    -    -    ok
    bulk delete               ok   ok   -    -    -    ok
    """),
    "pages": table("""
    list                      ok   ok   -    -    -    ok
    children                  ok   ok   -    -    -    ok
    results                   ok   ok   -    -    -    ok
    add                       ok   ok   -    -    -    ok
    edit                      ok   ok   -    -    -    ok
    delete                    ok   ok   -    -    -    ok
    copy                      ok   ok   -    -    -    ok
    history                   ok   ok   -    -    -    ok
    usage                     ok   ok   -    -    -    ok
    revisions                 ok   ok   -    -    -    ok
    revision                  ok   ok   -    -    -    ok
    choose                    ok   ok   -    -    -    ok
    choose child              ok   ok   -    -    -    ok
    choose search             ok   ok   -    -    -    ok
    chosen multiple           ok   ok   -    -    -    ok
    admin api                 ok   ok   -    -    -    ok
    admin api item            ok   ok   -    -    -    ok
    bulk delete               ok   ok   -    -    -    ok
    bulk move                 ok   ok   -    -    -    ok
    bulk publish              ok   ok   -    -    -    ok
    bulk unpublish            ok   ok   -    -    -    ok
    """),
    "users": table("""
    list                      -    -    -    -    -    ok
    results                   -    -    -    -    -    ok
    add                       -    -    -    -    -    ok
    edit                      -    -    -    -    -    ok
    delete                    -    -    -    -    -    ok
    copy                      -    -    -    -    -    ok
    history                   -    -    -    -    -    ok
    usage                     -    -    -    -    -    ok
    bulk assign_role          -    -    -    -    -    ok
    bulk delete               -    -    -    -    -    ok
    bulk set_active_state     -    -    -    -    -    ok
    """),
    "groups": table("""
    list                      -    -    -    -    -    ok
    results                   -    -    -    -    -    ok
    add                       -    -    -    -    -    ok
    edit                      -    -    -    -    -    ok
    delete                    -    -    -    -    -    ok
    history                   -    -    -    -    -    ok
    usage                     -    -    -    -    -    ok
    """),
    "settings": table("""
    edit                      -    -    -    -    -    ok
    """),
    # One person's data in every app, by email address (core/admin_views.py): the look-up's
    # form is for Data officers; the look-up itself, the download and the erasure are POSTs.
    "personal data": table("""
    lookup                    -    -    -    ok   -    ok
    download                  -    -    -    405  -    405
    erase                     -    -    -    405  -    405
    """),
    "django admin": table("""
    index                     404  404  404  404  404  404
    login                     404  404  404  404  404  404
    users                     404  404  404  404  404  404
    """),
}
for label in EXPECTED:
    if "." in label:
        EXPECTED[label] = SNIPPET_DEFAULTS | EXPECTED[label]
# fmt: on


# --- What is walked ---------------------------------------------------------------------------


@dataclass
class Item:
    """One item of a model, and text of it that only those who may see the model's listing
    (or one of the listings in `also_listed_by`) may see."""

    obj: object
    markers: tuple[str, ...]
    also_listed_by: tuple[str, ...] = ()


def png() -> bytes:
    buffer = io.BytesIO()
    PILImage.new("RGB", (8, 8), (10, 120, 200)).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def groups(db):
    return roles_from_migrations()


@pytest.fixture
def items(groups) -> dict[str, Item]:
    """One item of every model, each with text no other model's pages show."""
    home = make_site()
    pledge = PledgeFactory(
        text="Knit hats for the hospice",
        email="quokka-pledger@hidden.example",
        first_name="Quentin",
        area=AreaFactory(name="Pledgeshire"),
        suggestion=None,
    )
    draft = StandardPageFactory(parent=home, title="Tapir draft", live=False)
    draft.save_revision()
    draft.save_revision()
    reminder = ReminderStep.objects.create(
        slug="walk-step", days_after_confirmation=3, subject="Ibis reminder", body="Body"
    )
    check_in = CheckInStep.objects.create(
        slug="walk-3m", months_after_approval=3, subject="Ibex check-in", body="Body"
    )
    employer = EmployerFactory(organisation__name="Capybara Catering")
    member(employer, email="capybara-member@hidden.example")
    ready_plan(employer)
    submission = planning.submit(employer=employer, by=None)
    return {
        # Suggestions and areas are public: the pledge form lists them.
        "pledges.pledgesuggestion": Item(PledgeSuggestionFactory(text="Marmot suggestion"), ()),
        "core.area": Item(AreaFactory(name="Wombatshire"), ()),
        "pledges.reminderstep": Item(reminder, ("Ibis reminder",)),
        # One pledge, two listings: its words are in both, its email address only in one.
        "pledges.pledgeformoderation": Item(
            PledgeForModeration.objects.get(pk=pledge.pk),
            ("Knit hats for the hospice",),
            also_listed_by=("pledges.pledge",),
        ),
        "pledges.pledge": Item(pledge, ("quokka-pledger",)),
        "mailings.outboundemail": Item(
            OutboundEmail.objects.create(
                key="walk:1",
                to="okapi-recipient@hidden.example",
                template="notice",
                subject="Okapi, your reminder",
                body_text="Hello",
            ),
            ("Okapi, your reminder", "okapi-recipient"),
        ),
        "mailings.suppression": Item(
            Suppression.objects.create(address_hash="f" * 64, reason="bounce"), ("f" * 64,)
        ),
        "mailings.emailcopy": Item(
            EmailCopy.objects.create(key="pledge_confirm", subject="Narwhal wording", body="B"),
            ("Narwhal wording",),
        ),
        "images": Item(
            Image.objects.create(title="Pelican photo", file=SimpleUploadedFile("p.png", png())),
            ("Pelican photo",),
        ),
        "documents": Item(
            Document.objects.create(
                title="Lemur leaflet", file=SimpleUploadedFile("l.pdf", b"%PDF-1.4")
            ),
            ("Lemur leaflet",),
        ),
        "pages": Item(draft, ("Tapir draft",)),
        "users": Item(UserFactory(email="aardvark-staff@hidden.example"), ("aardvark-staff",)),
        # One employer, three listings: its name in each, its members' addresses in one.
        "employers.commitment": Item(CommitmentFactory(title="Tamarin commitment"), ()),
        "employers.sector": Item(SectorFactory(name="Gecko sector"), ()),
        "employers.checkinstep": Item(check_in, ("Ibex check-in",)),
        "employers.submission": Item(
            submission,
            ("Capybara Catering",),
            also_listed_by=("employers.employerforreview", "employers.employer"),
        ),
        "employers.employerforreview": Item(
            EmployerForReview.objects.get(pk=employer.pk),
            ("Capybara Catering",),
            also_listed_by=("employers.submission", "employers.employer"),
        ),
        "employers.employer": Item(employer, ("capybara-member",)),
        "workplace figures": Item(None, ()),
        "workplace settings": Item(Site.objects.get(is_default_site=True), ()),
        "groups": Item(groups["Data officers"], ()),
        "settings": Item(Site.objects.get(is_default_site=True), ()),
        "personal data": Item(None, ()),
        "django admin": Item(None, ()),
    }


def bulk_pages(app_label, model_name, pk) -> dict[str, str]:
    return {
        f"bulk {action.action_type}": f"/admin/bulk/{app_label}/{model_name}/"
        f"{action.action_type}/?id={pk}"
        for action in bulk_action_registry.get_bulk_actions_for_model(app_label, model_name)
    }


def snippet_pages(model, pk) -> dict[str, str]:
    app, name = model._meta.app_label, model._meta.model_name
    base, chooser = f"/admin/snippets/{app}/{name}/", f"/admin/snippets/choose/{app}/{name}/"
    return {
        "list": base,
        "results": f"{base}results/",
        "add": f"{base}add/",
        "inspect": f"{base}inspect/{pk}/",
        "edit": f"{base}edit/{pk}/",
        "delete": f"{base}delete/{pk}/",
        "copy": f"{base}copy/{pk}/",
        "history": f"{base}history/{pk}/",
        "usage": f"{base}usage/{pk}/",
        "revisions": f"{base}history/{pk}/revisions/compare/earliest...latest/",
        "preview": f"{base}preview/{pk}/",
        "export csv": f"{base}?export=csv",
        "export xlsx": f"{base}?export=xlsx",
        "choose": chooser,
        "choose results": f"{chooser}results/",
        "chosen": f"{chooser}chosen/{pk}/",
        "chosen multiple": f"{chooser}chosen-multiple/?id={pk}",
        **bulk_pages(app, name, pk),
    }


def admin_pages(label: str, item: Item) -> dict[str, str]:
    pk = getattr(item.obj, "pk", None)
    if label == "employers.submission":
        decisions = {
            name: f"/admin/snippets/employers/submission/{part}/{pk}/"
            for name, part in [
                ("approve", "approve"),
                ("request changes", "request-changes"),
                ("reject", "reject"),
            ]
        }
        return snippet_pages(type(item.obj), pk) | decisions
    if "." in label:
        return snippet_pages(type(item.obj), pk)
    if label == "images":
        return {
            "list": "/admin/images/",
            "results": "/admin/images/results/",
            "add": "/admin/images/add/",
            "add multiple": "/admin/images/multiple/add/",
            "edit": f"/admin/images/{pk}/",
            "delete": f"/admin/images/{pk}/delete/",
            "usage": f"/admin/images/usage/{pk}/",
            "choose": "/admin/images/chooser/",
            "choose results": "/admin/images/chooser/results/",
            "chosen": f"/admin/images/chooser/chosen/{pk}/",
            "chosen multiple": f"/admin/images/chooser/chosen-multiple/?id={pk}",
            "select format": f"/admin/images/chooser/{pk}/select_format/",
            "admin api": "/admin/api/main/images/",
            "admin api item": f"/admin/api/main/images/{pk}/",
            **bulk_pages("wagtailimages", "image", pk),
        }
    if label == "documents":
        return {
            "list": "/admin/documents/",
            "results": "/admin/documents/results/",
            "add": "/admin/documents/add/",
            "add multiple": "/admin/documents/multiple/add/",
            "edit": f"/admin/documents/edit/{pk}/",
            "delete": f"/admin/documents/delete/{pk}/",
            "usage": f"/admin/documents/usage/{pk}/",
            "choose": "/admin/documents/chooser/",
            "choose results": "/admin/documents/chooser/results/",
            "chosen": f"/admin/documents/chooser/chosen/{pk}/",
            "chosen multiple": f"/admin/documents/chooser/chosen-multiple/?id={pk}",
            "admin api": "/admin/api/main/documents/",
            "admin api item": f"/admin/api/main/documents/{pk}/",
            **bulk_pages("wagtaildocs", "document", pk),
        }
    if label == "pages":
        parent = item.obj.get_parent().pk
        return {
            "list": "/admin/pages/",
            "children": f"/admin/pages/{parent}/",
            "results": f"/admin/pages/{parent}/results/",
            "add": f"/admin/pages/add/home/standardpage/{parent}/",
            "edit": f"/admin/pages/{pk}/edit/",
            "delete": f"/admin/pages/{pk}/delete/",
            "copy": f"/admin/pages/{pk}/copy/",
            "history": f"/admin/pages/{pk}/history/",
            "usage": f"/admin/pages/{pk}/usage/",
            "revisions": f"/admin/pages/{pk}/revisions/compare/earliest...latest/",
            "revision": f"/admin/pages/{pk}/revisions/{item.obj.latest_revision_id}/view/",
            "choose": "/admin/choose-page/",
            "choose child": f"/admin/choose-page/{parent}/",
            "choose search": "/admin/choose-page/search/?q=Tapir",
            "chosen multiple": f"/admin/choose-page/chosen-multiple/?id={pk}",
            "admin api": f"/admin/api/main/pages/?child_of={parent}",
            "admin api item": f"/admin/api/main/pages/{pk}/",
            **bulk_pages("wagtailcore", "page", pk),
        }
    if label in ("users", "groups"):
        base = f"/admin/{label}/"
        pages = {
            "list": base,
            "results": f"{base}results/",
            "add": f"{base}new/",
            "edit": f"{base}edit/{pk}/",
            "delete": f"{base}delete/{pk}/",
            "history": f"{base}history/{pk}/",
            "usage": f"{base}usage/{pk}/",
        }
        if label == "users":
            pages["copy"] = f"{base}copy/{pk}/"
            pages.update(bulk_pages("accounts", "user", pk))
        return pages
    if label == "settings":
        return {"edit": f"/admin/settings/core/campaignsettings/{pk}/"}
    if label == "workplace settings":
        return {"edit": f"/admin/settings/employers/employersettings/{pk}/"}
    if label == "workplace figures":
        return {"index": "/admin/workplace-pledge/figures/"}
    if label == "personal data":
        return {
            "lookup": PERSONAL_DATA,
            "download": f"{PERSONAL_DATA}download/",
            "erase": f"{PERSONAL_DATA}erase/",
        }
    if label == "django admin":
        return {
            "index": "/django-admin/",
            "login": "/django-admin/login/",
            "users": "/django-admin/accounts/user/",
        }
    raise AssertionError(f"no admin pages for {label}")


def body(response) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return content.decode(errors="replace")


def may_list(label: str, role: str) -> bool:
    return "list" in EXPECTED[label] and EXPECTED[label]["list"][role] == OK


def hidden_markers(items: dict[str, Item], role: str) -> list[str]:
    return [
        marker
        for label, item in items.items()
        if not any(may_list(listing, role) for listing in (label, *item.also_listed_by))
        for marker in item.markers
    ]


PERSONAL_DATA = "/admin/personal-data/"


def users_by_role(groups) -> dict[str, object]:
    users = {role: member_of(groups, name) for role, name in GROUP_OF.items()}
    users["super"] = UserFactory(is_superuser=True)
    return users


# --- The walk ---------------------------------------------------------------------------------


def test_the_tables_cover_every_admin_model_and_page(items):
    snippet_labels = {model._meta.label_lower for model in get_snippet_models()}
    assert snippet_labels <= set(EXPECTED), "add the new snippet model to EXPECTED"
    assert set(items) == set(EXPECTED)
    for label, item in items.items():
        assert set(admin_pages(label, item)) == set(EXPECTED[label]), label


@pytest.mark.parametrize("label", list(EXPECTED))
def test_each_role_gets_what_the_table_says(client, groups, items, label):
    client.raise_request_exception = False
    users = users_by_role(groups)
    pages = admin_pages(label, items[label])
    hidden_from = {role: hidden_markers(items, role) for role in ROLES}
    seen, leaks = {}, []
    for role in ROLES:
        login(client, users[role])
        for name, url in pages.items():
            response = client.get(url)
            seen.setdefault(name, {})[role] = outcome(response)
            text = body(response)
            leaks += [(role, url, m) for m in hidden_from[role] if m in text]
    assert seen == EXPECTED[label], f"{label}, as seen:\n{as_table(seen)}"
    assert leaks == [], "\n".join(map(str, leaks))


@pytest.mark.parametrize("who", ["anonymous", "plain user"])
def test_people_who_cannot_use_the_admin_are_sent_to_sign_in(client, items, who):
    client.raise_request_exception = False
    login(client, None if who == "anonymous" else UserFactory())
    markers = [marker for item in items.values() for marker in item.markers]
    for label, item in items.items():
        expected = NOT_FOUND if label == "django admin" else LOGIN
        for url in admin_pages(label, item).values():
            response = client.get(url)
            assert outcome(response) == expected, url
            assert not [m for m in markers if m in body(response)], url


def test_personal_data_posts_answer_data_officers_only(client, groups, items):
    """The look-up, download and erasure by address (POST only) ask the permission the look-up's
    form asks: for every other role they find, show and erase nothing."""
    client.raise_request_exception = False
    users = users_by_role(groups)
    pledge = items["pledges.pledge"].obj
    address = {"email": pledge.email}
    posts = {
        "lookup": (PERSONAL_DATA, address),
        "download": (f"{PERSONAL_DATA}download/", address),
        "erase": (f"{PERSONAL_DATA}erase/", address),
        "erase confirmed": (f"{PERSONAL_DATA}erase/", {**address, "confirm": "yes"}),
    }
    allowed = [role for role in ROLES if EXPECTED["personal data"]["lookup"][role] == OK]
    assert allowed == ["data officer", "super"]
    for role in [role for role in ROLES if role not in allowed]:
        login(client, users[role])
        for name, (url, data) in posts.items():
            response = client.post(url, data)
            assert outcome(response) == DENIED, (role, name)
            assert "quokka-pledger" not in body(response), (role, name)
        assert type(pledge).objects.filter(pk=pledge.pk).exists(), role
    login(client, users["data officer"])
    seen = {name: outcome(client.post(url, data)) for name, (url, data) in posts.items()}
    assert seen == {
        "lookup": OK,
        "download": OK,
        "erase": OK,
        "erase confirmed": f"302 {PERSONAL_DATA}",
    }
    assert not type(pledge).objects.filter(pk=pledge.pk).exists()


# --- The shared mechanisms --------------------------------------------------------------------


def test_every_snippet_viewset_builds_on_the_shared_one():
    for model in get_snippet_models():
        assert isinstance(model.snippet_viewset, SnippetViewSet), model


def test_every_model_in_the_admin_has_whole_number_ids():
    """core/admin_urls.py refuses admin URLs whose object ids are not whole numbers."""
    bulk_action_registry._scan_for_bulk_actions()
    models = {Page, Image, Document, *get_snippet_models()}
    models |= {
        viewset.model
        for viewset in viewsets.viewsets
        if isinstance(viewset, ModelViewSet | ChooserViewSet) and isinstance(viewset.model, type)
    }
    models |= {
        model
        for app in bulk_action_registry.actions.values()
        for actions in app.values()
        for action in actions.values()
        for model in action.models
    }
    for model in models:
        assert isinstance(model._meta.pk, AutoField | BigAutoField), model


# --- Pledge moderators are a role of their own --------------------------------------------------


def test_pledge_moderators_can_use_the_admin_and_moderate_pledges_only(groups):
    permissions = set(
        groups["Pledge moderators"].permissions.values_list("content_type__app_label", "codename")
    )
    assert permissions == {("wagtailadmin", "access_admin"), ("pledges", "moderate_pledge")}
    assert not groups["Pledge moderators"].page_permissions.exists()
    assert not groups["Pledge moderators"].collection_permissions.exists()
    # Wagtail's Moderators approve pages; they no longer see the pledge queue.
    assert not groups["Moderators"].permissions.filter(codename="moderate_pledge").exists()


def image_upload(title: str) -> dict:
    return {"title": title, "file": SimpleUploadedFile(f"{title}.png", png())}


def document_upload(title: str) -> dict:
    return {"title": title, "file": SimpleUploadedFile(f"{title}.pdf", b"%PDF-1.4")}


def test_a_pledge_moderator_cannot_edit_pages_or_upload(client, groups):
    home = make_site()
    page = StandardPageFactory(parent=home, title="Getting involved")
    login(client, member_of(groups, "Pledge moderators"))
    client.post(f"/admin/pages/{page.pk}/edit/", {"title": "Changed", "slug": page.slug})
    client.post(f"/admin/pages/add/home/standardpage/{home.pk}/", {"title": "New", "slug": "n"})
    client.post("/admin/images/add/", image_upload("Upload"))
    client.post("/admin/documents/add/", document_upload("Upload"))
    client.post("/admin/images/multiple/add/", {"files[]": image_upload("Multi")["file"]})
    page.refresh_from_db()
    assert (page.title, page.has_unpublished_changes) == ("Getting involved", False)
    assert not StandardPage.objects.filter(title="New").exists()
    assert not Image.objects.exists()
    assert not Document.objects.exists()
    assert outcome(client.get("/admin/snippets/mailings/outboundemail/")) == DENIED


def test_an_editor_edits_pages_and_uploads(client, groups):
    home = make_site()
    page = StandardPageFactory(parent=home, title="Getting involved")
    login(client, member_of(groups, "Editors"))
    data = nested_form_data(
        {
            "title": "Getting involved locally",
            "slug": page.slug,
            "body": streamfield([("paragraph", rich_text("<p>Join a group.</p>"))]),
        }
    )
    response = client.post(f"/admin/pages/{page.pk}/edit/", data)
    assert response.status_code == 302
    page.refresh_from_db()
    assert page.get_latest_revision_as_object().title == "Getting involved locally"
    assert client.post("/admin/images/add/", image_upload("Bench")).status_code == 302
    assert client.post("/admin/documents/add/", document_upload("Leaflet")).status_code == 302
    assert Image.objects.filter(title="Bench").exists()
    assert Document.objects.filter(title="Leaflet").exists()


def test_the_pledge_moderators_migration_reverses_cleanly(groups):
    migration = importlib.import_module("pledges.migrations.0008_pledge_moderators_group")
    migration.join_moderation(django_apps, None)
    assert not Group.objects.filter(name="Pledge moderators").exists()
    moderators = Group.objects.get(name="Moderators")
    assert moderators.permissions.filter(codename="moderate_pledge").exists()
    for name in ["Data officers", "Pledge takers"]:
        group = Group.objects.get(name=name)
        assert group.permissions.filter(codename="choose_document").exists()
        assert group.collection_permissions.filter(permission__codename="choose_document").exists()
    migration.split_moderation(django_apps, None)
    assert Group.objects.get(name="Pledge moderators").permissions.count() == 2
    assert not moderators.permissions.filter(codename="moderate_pledge").exists()
    for name in ["Data officers", "Pledge takers"]:
        group = Group.objects.get(name=name)
        assert not group.permissions.filter(codename="choose_document").exists()
        assert not group.collection_permissions.exists()
