"""One person's data across every app, by email address (core/personal_data.py): a second,
test-only app registers its part beside the pledges', and both are found, exported and erased
together, through the service, the Data officer's screen and the resident's download."""

import importlib
import json

import pytest
from django.apps import apps as django_apps
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.db import transaction
from wagtail.models import ModelLogEntry

from core import personal_data
from core.personal_data import (
    HeldItem,
    NotAnAddress,
    erase_person,
    export_person,
    find_person,
    normalise_address,
    personal_data_sections,
    register_personal_data,
    unregister_personal_data,
)
from mailings.models import OutboundEmail, Suppression, address_hash
from mailings.services import suppress
from pledges.models import Pledge
from pledges.share_card import card_cache_key
from pledges.tokens import make_token
from tests.admin_roles import DENIED, OK, login, member_of, outcome, put_roles_back
from tests.factories import UserFactory
from tests.pledges.factories import AreaFactory, PledgeFactory

SCREEN = "/admin/personal-data/"
DOWNLOAD = f"{SCREEN}download/"
ERASE = f"{SCREEN}erase/"
SAM = "sam@example.org"


class Library:
    """A test-only app holding personal data by address in a dict: books on loan."""

    def __init__(self):
        self.loans: dict[str, list[str]] = {}
        self.erased_by = []
        self.committed = []  # what its after-commit work saw

    def find(self, address):
        return [
            HeldItem(title=book, details=(("Due", "Friday"),))
            for book in self.loans.get(address, [])
        ]

    def export(self, address):
        return {"books": list(self.loans.get(address, []))}

    def erase(self, address, *, by=None):
        self.erased_by.append(by)
        books = self.loans.pop(address, [])
        transaction.on_commit(lambda: self.committed.append(address))
        return len(books)


@pytest.fixture
def library(db, monkeypatch):
    # The registry is tested with pledges, this test-only app and mailings' own section; other
    # apps' sections (organisations, ...) are tested with their apps.
    kept = {key: s for key, s in personal_data._sections.items() if key in ("pledges", "emails")}
    monkeypatch.setattr(personal_data, "_sections", kept)
    library = Library()
    library.loans[SAM] = ["<b>The Hobbit</b>"]
    library.loans["someone.else@example.org"] = ["Emma"]
    register_personal_data(
        key="library",
        label="Library loans",
        description="Books on loan to the person.",
        find=library.find,
        export=library.export,
        erase=library.erase,
        order=50,
    )
    yield library
    unregister_personal_data("library")


@pytest.fixture
def sams_pledges(db):
    area = AreaFactory(name="Chatham")
    first = PledgeFactory(text="Say hello to a neighbour", email=SAM, area=area)
    second = PledgeFactory(text="Host a coffee morning", email=SAM, area=area, first_name="")
    for pledge in (first, second):
        OutboundEmail.objects.create(
            key=f"pledge:{pledge.pk}:confirm",
            to=SAM,
            template="pledge_confirm",
            subject="Confirm your pledge",
            body_text="Hello",
        )
    return [first, second]


@pytest.fixture
def someone_elses_pledge(db):
    return PledgeFactory(text="Volunteer at the fete", email="someone.else@example.org")


@pytest.fixture
def roles(db):
    return put_roles_back()


@pytest.fixture
def officer(roles):
    return member_of(roles, "Data officers")


# --- The registry -----------------------------------------------------------------------------


def test_sections_come_in_order_and_a_key_registers_once(library):
    keys = [section.key for section in personal_data_sections()]
    assert keys.index("pledges") < keys.index("library")
    register_personal_data(
        key="library",
        label="Library loans (again)",
        description="",
        find=library.find,
        export=library.export,
        erase=library.erase,
        order=1,
    )
    sections = personal_data_sections()
    assert [s.label for s in sections if s.key == "library"] == ["Library loans (again)"]
    assert sections[0].key == "library"


@pytest.mark.parametrize(
    "address",
    ["", "   ", "sam", "sam@", "@example.org", "sam@@example.org", '"sa\x01m"@example.org', None],
)
def test_a_malformed_address_is_refused_before_any_app_sees_it(library, address):
    anonymised = PledgeFactory(email="", first_name="")
    with pytest.raises(NotAnAddress):
        normalise_address(address)
    for service in (find_person, export_person, erase_person):
        with pytest.raises(NotAnAddress):
            service(address)
    assert library.erased_by == []
    assert Pledge.objects.filter(pk=anonymised.pk).exists()


def test_the_address_is_found_whatever_its_case_and_spaces(library, sams_pledges):
    assert normalise_address("  Sam@Example.ORG ") == SAM
    (pledges, loans, emails) = find_person(" SAM@example.org")
    assert (pledges.section.key, loans.section.key) == ("pledges", "library")
    # mailings' own section comes last; the pledge emails are listed with their pledges.
    assert (emails.section.key, emails.items) == ("emails", [])
    assert [item.title for item in pledges.items] == [
        f"Pledge {sams_pledges[0].pk}: “Say hello to a neighbour”",
        f"Pledge {sams_pledges[1].pk}: “Host a coffee morning”",
    ]
    assert pledges.items[0].url == f"/admin/snippets/pledges/pledge/inspect/{sams_pledges[0].pk}/"
    assert ("Emails about it", "1") in pledges.items[0].details
    assert [item.title for item in loans.items] == ["<b>The Hobbit</b>"]


def test_one_export_has_a_section_per_app(library, sams_pledges, someone_elses_pledge):
    document = export_person("Sam@Example.org")
    assert document["address"] == SAM
    assert list(document["sections"]) == ["pledges", "library", "emails"]
    pledges = document["sections"]["pledges"]
    assert pledges["label"] == "Pledges"
    assert [p["pledge"]["text"] for p in pledges["data"]] == [
        "Say hello to a neighbour",
        "Host a coffee morning",
    ]
    assert {p["pledge"]["email"] for p in pledges["data"]} == {SAM}
    assert pledges["data"][0]["emails"][0]["template"] == "pledge_confirm"
    assert document["sections"]["library"] == {
        "label": "Library loans",
        "data": {"books": ["<b>The Hobbit</b>"]},
    }
    assert "Volunteer at the fete" not in json.dumps(document, default=str)


def test_one_erasure_reaches_every_app(
    library, sams_pledges, someone_elses_pledge, django_capture_on_commit_callbacks
):
    suppress(address=SAM, reason="unsubscribed")
    staff = UserFactory()
    for pledge in sams_pledges:
        cache.set(card_cache_key(pledge.pk), b"png with a name", 3600)
    with django_capture_on_commit_callbacks(execute=True):
        erased = erase_person(" SAM@example.org ", by=staff)
    assert erased == {"pledges": 2, "library": 1, "emails": 0}
    assert not Pledge.objects.filter(email=SAM).exists()
    assert not OutboundEmail.objects.filter(to=SAM).exists()
    assert library.loans == {"someone.else@example.org": ["Emma"]}
    assert library.erased_by == [staff]
    # After the commit: each app's own work (here the library's; the pledges' share cards).
    assert library.committed == [SAM]
    assert all(cache.get(card_cache_key(pledge.pk)) is None for pledge in sams_pledges)
    # As erasing one pledge does: a note naming who erased it, and the suppression stays.
    entries = ModelLogEntry.objects.filter(object_id__in=[str(p.pk) for p in sams_pledges])
    assert sorted((e.action, e.user_id) for e in entries) == [("pledges.erase", staff.pk)] * 2
    assert Suppression.objects.filter(address_hash=address_hash(SAM)).exists()
    assert Pledge.objects.filter(pk=someone_elses_pledge.pk).exists()


def test_an_erasure_is_all_or_nothing(library, sams_pledges, django_capture_on_commit_callbacks):
    def fail(address, *, by=None):
        raise RuntimeError("the archive is read-only")

    register_personal_data(
        key="archive", label="Archive", description="", find=list, export=list, erase=fail, order=90
    )
    try:
        with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
            erase_person(SAM)
    finally:
        unregister_personal_data("archive")
    assert Pledge.objects.filter(email=SAM).count() == 2
    assert OutboundEmail.objects.filter(to=SAM).count() == 2
    assert library.committed == []  # what apps queued for after the commit never ran


# --- The Data officer's screen ------------------------------------------------------------------


def test_a_data_officer_looks_up_downloads_and_erases_everything(
    client, officer, library, sams_pledges, someone_elses_pledge
):
    login(client, officer)
    response = client.get(SCREEN)
    assert response.status_code == 200
    assert 'name="email"' in response.content.decode()

    html = client.post(SCREEN, {"email": " Sam@Example.org "}).content.decode()
    assert f"What we hold for {SAM}" in html
    assert "Say hello to a neighbour" in html
    assert "Host a coffee morning" in html
    assert "Library loans" in html
    assert "&lt;b&gt;The Hobbit&lt;/b&gt;" in html
    assert "<b>The Hobbit</b>" not in html
    assert "Volunteer at the fete" not in html
    assert "Emma" not in html
    assert f'href="/admin/snippets/pledges/pledge/inspect/{sams_pledges[0].pk}/"' in html
    assert f'action="{ERASE}"' in html

    response = client.post(DOWNLOAD, {"email": SAM})
    assert response["Content-Disposition"] == 'attachment; filename="personal-data.json"'
    document = json.loads(response.content)
    assert document["address"] == SAM
    assert len(document["sections"]["pledges"]["data"]) == 2
    assert document["sections"]["library"]["data"] == {"books": ["<b>The Hobbit</b>"]}

    # The first POST asks; nothing has gone yet.
    html = client.post(ERASE, {"email": SAM}).content.decode()
    assert "Yes, erase it all" in html
    assert "&lt;b&gt;The Hobbit&lt;/b&gt;" in html
    assert Pledge.objects.filter(email=SAM).count() == 2
    assert library.loans.get(SAM)

    response = client.post(ERASE, {"email": SAM, "confirm": "yes"})
    assert (response.status_code, response["Location"]) == (302, SCREEN)
    assert not Pledge.objects.filter(email=SAM).exists()
    assert SAM not in library.loans
    assert library.erased_by == [officer]
    assert Pledge.objects.filter(pk=someone_elses_pledge.pk).exists()
    html = client.get(SCREEN).content.decode()
    assert (
        "Everything held about that address was erased "
        "(Pledges: 2; Library loans: 1; Other emails: 0)."
    ) in html
    assert SAM not in html

    html = client.post(SCREEN, {"email": SAM}).content.decode()
    assert html.count("Nothing held.") == 3
    assert f'action="{ERASE}"' not in html  # nothing left to erase


@pytest.mark.parametrize(
    ("posted", "message"),
    [
        ("", "Enter an email address."),
        ("sam.example.org", "Enter an email address in the correct format"),
        ("sam@example.org\x00", "Null characters are not allowed."),
        ('"sa\x01m"@example.org', "Remove the unusual characters from this text."),
        ("<script>@example.org", "Enter an email address in the correct format"),
    ],
)
def test_a_malformed_address_gets_a_clear_error_and_changes_nothing(
    client, officer, library, sams_pledges, posted, message
):
    login(client, officer)
    for url, extra in [(SCREEN, {}), (DOWNLOAD, {}), (ERASE, {}), (ERASE, {"confirm": "yes"})]:
        response = client.post(url, {"email": posted, **extra})
        assert response.status_code == 400, url
        html = response.content.decode()
        assert "There is a problem" in html
        assert 'href="#id_email"' in html
        assert message in html
        assert "<script>@" not in html
        assert "attachment" not in response.get("Content-Disposition", "")
    assert Pledge.objects.filter(email=SAM).count() == 2
    assert library.erased_by == []


def test_an_address_is_escaped_wherever_it_is_shown(client, officer, library):
    address = "o'brien&co@example.org"
    library.loans[address] = ["Ulysses"]
    login(client, officer)
    for url in (SCREEN, ERASE):
        html = client.post(url, {"email": address}).content.decode()
        assert "o&#x27;brien&amp;co@example.org" in html
        assert "o'brien&co@" not in html


def test_without_the_erase_permission_one_may_look_but_not_erase(
    client, roles, library, sams_pledges
):
    viewer = UserFactory()
    viewer.groups.add(roles["Data officers"])
    roles["Data officers"].permissions.remove(
        *roles["Data officers"].permissions.filter(codename="erase_personal_data")
    )
    login(client, viewer)
    html = client.post(SCREEN, {"email": SAM}).content.decode()
    assert "Say hello to a neighbour" in html
    assert f'action="{ERASE}"' not in html
    assert outcome(client.post(ERASE, {"email": SAM, "confirm": "yes"})) == DENIED
    assert Pledge.objects.filter(email=SAM).count() == 2
    assert library.erased_by == []


@pytest.mark.parametrize(
    "group", ["Editors", "Moderators", "Pledge moderators", "Pledge takers", None]
)
def test_other_roles_cannot_use_the_screen(client, roles, library, sams_pledges, group):
    user = member_of(roles, group) if group else UserFactory(is_staff=True)
    if group is None:  # staff who can reach the admin but hold no role
        user.groups.add(Group.objects.create(name="Admin only"))
        user.groups.get().permissions.add(
            *roles["Data officers"].permissions.filter(codename="access_admin")
        )
    login(client, user)
    assert outcome(client.get(SCREEN)) == DENIED
    for url in (SCREEN, DOWNLOAD, ERASE):
        response = client.post(url, {"email": SAM, "confirm": "yes"})
        assert outcome(response) == DENIED, url
        assert SAM not in response.content.decode()
    assert '"/admin/personal-data/"' not in client.get("/admin/").content.decode()
    assert Pledge.objects.filter(email=SAM).count() == 2
    assert library.erased_by == []


def test_data_officers_find_the_screen_in_the_menu(client, officer):
    login(client, officer)
    response = client.get("/admin/")
    assert outcome(response) == OK
    assert '"/admin/personal-data/"' in response.content.decode()


def test_an_erasure_needs_the_csrf_token(officer, library, sams_pledges):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(officer)
    response = client.post(ERASE, {"email": SAM, "confirm": "yes"})
    assert response.status_code == 403
    assert Pledge.objects.filter(email=SAM).count() == 2
    assert library.erased_by == []


def test_the_group_editor_offers_the_personal_data_permissions(client, roles):
    login(client, UserFactory(is_superuser=True))
    html = client.get(f"/admin/groups/edit/{roles['Data officers'].pk}/").content.decode()
    for name in [
        "Can look up and download everything the site holds about an email address",
        "Can erase everything the site holds about an email address when the person asks",
    ]:
        assert html.count(name) == 1


def test_the_data_officers_migration_reverses_cleanly(roles):
    migration = importlib.import_module("core.migrations.0007_personal_data_roles")
    officers = roles["Data officers"]
    codenames = {"look_up_personal_data", "erase_personal_data"}
    assert codenames <= set(officers.permissions.values_list("codename", flat=True))
    migration.revoke(django_apps)
    assert not officers.permissions.filter(codename__in=codenames).exists()
    assert officers.permissions.filter(codename="view_personal_data").exists()
    migration.grant(django_apps)
    assert officers.permissions.filter(codename__in=codenames).count() == 2


# --- The resident's download ---------------------------------------------------------------------


def test_the_manage_link_download_holds_everything_for_the_address(
    client, library, sams_pledges, someone_elses_pledge
):
    first, second = sams_pledges
    response = client.get(f"/pledges/manage/{make_token(first, 'manage')}/my-pledge.json")
    assert response["Content-Disposition"] == 'attachment; filename="my-pledge.json"'
    data = json.loads(response.content)
    # This pledge, as before.
    assert data["pledge"]["text"] == "Say hello to a neighbour"
    assert data["emails"][0]["template"] == "pledge_confirm"
    # Then everything held for its address.
    assert data["address"] == SAM
    assert [p["pledge"]["text"] for p in data["sections"]["pledges"]["data"]] == [
        first.text,
        second.text,
    ]
    assert data["sections"]["library"]["data"] == {"books": ["<b>The Hobbit</b>"]}
    assert "Volunteer at the fete" not in response.content.decode()
    assert "Emma" not in response.content.decode()


def test_a_pledge_without_an_address_downloads_only_itself(client, library):
    pledge = PledgeFactory(email="", text="Phone a friend each week")
    PledgeFactory(email="", text="Knit for the hospice")  # another pledge without an address
    response = client.get(f"/pledges/manage/{make_token(pledge, 'manage')}/my-pledge.json")
    data = json.loads(response.content)
    assert data["pledge"]["text"] == "Phone a friend each week"
    assert "sections" not in data
    assert data["emails"] == []
    assert "Knit for the hospice" not in response.content.decode()
