"""The pledges admin: who may see what (role x URL), a moderation queue that never shows an
email address, approve and reject with a reason, Data officers' export guarded against formula
injection, and pledges that staff take by phone, on paper or at events."""

import csv
import datetime
import io
import re
from urllib.parse import urlencode

import openpyxl
import pytest
from django.utils import timezone
from wagtail.models import ModelLogEntry, ReferenceIndex

from core.exports import FORMULA_TRIGGERS, spreadsheet_safe
from mailings.models import OutboundEmail
from mailings.services import deliver, queue_email
from pledges.models import ConsentRecord, Pledge, PledgeForModeration
from pledges.services.moderation import approve_pledges, reject_pledges
from pledges.tokens import read_token
from tests.admin_roles import DENIED, LOGIN, OK, login, member_of, outcome, put_roles_back
from tests.factories import UserFactory

from .factories import AreaFactory, PledgeFactory, PledgeSuggestionFactory

MODERATION = "/admin/snippets/pledges/pledgeformoderation/"
PERSONAL = "/admin/snippets/pledges/pledge/"
ASSISTED = "/admin/pledges/assisted-entry/"
SUGGESTIONS = "/admin/snippets/pledges/pledgesuggestion/"
BULK = "/admin/bulk/pledges/pledgeformoderation/"


@pytest.fixture
def roles(db):
    return put_roles_back()


@pytest.fixture
def users(roles):
    return {
        "anonymous": None,
        "editor": member_of(roles, "Editors"),
        "moderator": member_of(roles, "Pledge moderators"),
        "data officer": member_of(roles, "Data officers"),
        "pledge taker": member_of(roles, "Pledge takers"),
        "superuser": UserFactory(is_superuser=True, is_staff=True),
    }


@pytest.fixture
def pledges(db):
    """Pledges whose email addresses are easy to spot if they leak into a page."""
    chatham, gillingham = AreaFactory(name="Chatham"), AreaFactory(name="Gillingham")
    now = timezone.now()
    return {
        "waiting": PledgeFactory(
            text="Teach my neighbour to video call",
            first_name="Priya",
            email="zebra-waiting@hidden.example",
            area=chatham,
            moderation=Pledge.Moderation.PENDING,
            show_on_wall=True,
            confirmed_at=now,
        ),
        "waiting_unconfirmed": PledgeFactory(
            text="Start a walking group",
            first_name="Tom",
            email="zebra-unconfirmed@hidden.example",
            area=gillingham,
            moderation=Pledge.Moderation.PENDING,
            show_on_wall=True,
        ),
        "approved": PledgeFactory(
            text="Say hello to a neighbour",
            first_name="Ann",
            email="zebra-approved@hidden.example",
            area=chatham,
            moderation=Pledge.Moderation.APPROVED,
            show_on_wall=True,
            confirmed_at=now,
        ),
        "organisation": PledgeFactory(
            kind=Pledge.Kind.ORGANISATION,
            text="Host a community lunch",
            first_name="Lee",
            organisation_name="Rochester Rotary",
            organisation_type=Pledge.OrganisationType.COMMUNITY_GROUP,
            email="zebra-organisation@hidden.example",
            area=gillingham,
            moderation=Pledge.Moderation.PENDING,
            confirmed_at=now,
        ),
    }


def hidden_emails():
    return list(Pledge.objects.values_list("email", flat=True))


# --- Role x URL --------------------------------------------------------------------------------


def urls(pledges) -> dict[str, str]:
    pk = pledges["waiting"].pk
    return {
        "moderation list": MODERATION,
        "moderation inspect": f"{MODERATION}inspect/{pk}/",
        "moderation approve page": f"{BULK}approve/?id={pk}",
        "moderation edit": f"{MODERATION}edit/{pk}/",
        "personal data list": PERSONAL,
        "personal data inspect": f"{PERSONAL}inspect/{pk}/",
        "personal data edit": f"{PERSONAL}edit/{pk}/",
        "erase page": f"{PERSONAL}erase/{pk}/",
        "export csv": f"{PERSONAL}?export=csv",
        "export xlsx": f"{PERSONAL}?export=xlsx",
        "assisted add": ASSISTED,
        "suggestions list": SUGGESTIONS,
    }


ALLOWED = {
    "anonymous": set(),
    "editor": {"suggestions list"},
    "moderator": {"moderation list", "moderation inspect", "moderation approve page"},
    "data officer": {
        "personal data list",
        "personal data inspect",
        "export csv",
        "export xlsx",
        "erase page",
        "assisted add",
    },
    "pledge taker": {"assisted add"},
    # Nobody edits a pledge in the admin, superusers included: changes go through services.
    "superuser": {
        "moderation list",
        "moderation inspect",
        "moderation approve page",
        "personal data list",
        "personal data inspect",
        "export csv",
        "export xlsx",
        "erase page",
        "assisted add",
        "suggestions list",
    },
}


@pytest.mark.parametrize("role", list(ALLOWED))
def test_role_url_matrix(client, users, pledges, role):
    login(client, users[role])
    named_urls = urls(pledges)
    refused = LOGIN if role == "anonymous" else DENIED
    expected = {name: OK if name in ALLOWED[role] else refused for name in named_urls}
    seen = {name: outcome(client.get(url)) for name, url in named_urls.items()}
    assert seen == expected


def test_data_officer_erases_a_pledge_for_someone_who_asked(client, users, pledges):
    pledge = pledges["waiting"]
    reject_pledges(pledges=[pledge], reason="Quotes Priya's phone number", by=users["moderator"])
    queue_email(to=pledge.email, template="notice", key=f"pledge:{pledge.pk}:confirm",
                context={"subject": "Hi", "paragraphs": ["Hi"]})  # fmt: skip
    url = f"{PERSONAL}erase/{pledge.pk}/"
    # Others cannot, even by posting straight to the page.
    login(client, users["moderator"]).post(url)
    assert Pledge.objects.filter(pk=pledge.pk).exists()

    login(client, users["data officer"])
    inspect = client.get(f"{PERSONAL}inspect/{pledge.pk}/").content.decode()
    assert f'href="{url}"' in inspect
    assert "Delete pledge and personal data" in inspect
    page = client.get(url).content.decode()
    assert "zebra-waiting@hidden.example" in page
    assert "cannot be undone" in page
    response = client.post(url)
    assert response.status_code == 302
    assert response["Location"] == PERSONAL
    assert not Pledge.objects.filter(pk=pledge.pk).exists()
    assert not OutboundEmail.objects.filter(key__startswith=f"pledge:{pledge.pk}:").exists()
    # The history that quoted the pledge is gone; one entry says it was erased, and by whom.
    (entry,) = ModelLogEntry.objects.filter(object_id=str(pledge.pk))
    assert (entry.action, entry.user_id, entry.data) == (
        "pledges.erase",
        users["data officer"].pk,
        {},
    )
    assert "Priya" not in entry.label
    assert "were deleted" in client.get(PERSONAL).content.decode()
    assert client.get(url).status_code == 404


def test_menu_shows_each_role_only_its_own_pledge_pages(client, users):
    pages = ["Moderation queue", "All pledges (personal data)", "Add a pledge for someone"]
    shown = {}
    for role in ["moderator", "data officer", "pledge taker", "editor"]:
        html = login(client, users[role]).get("/admin/").content.decode()
        shown[role] = [page for page in pages if page in html]
    assert shown == {
        "moderator": ["Moderation queue"],
        "data officer": ["All pledges (personal data)", "Add a pledge for someone"],
        "pledge taker": ["Add a pledge for someone"],
        "editor": [],
    }


# --- The moderation queue never shows an email address -----------------------------------------


@pytest.mark.parametrize("role", ["moderator", "superuser"])
def test_moderation_pages_never_contain_an_email_address(client, users, pledges, role):
    login(client, users[role])
    ids = [p.pk for p in pledges.values()]
    # Some history to show, too.
    reject_pledges(pledges=[pledges["approved"]], reason="Mentions a house number", by=None)
    approve_pledges(pledges=[pledges["waiting"]], by=users[role])
    pages = [
        MODERATION,
        f"{MODERATION}results/",
        f"{MODERATION}?moderation=pending&confirmed=true",
        f"{MODERATION}?q=neighbour",
        f"{MODERATION}?q=zebra",
        f"{MODERATION}?export=csv",
        f"{BULK}approve/?{urlencode([('id', pk) for pk in ids])}",
        f"{BULK}reject/?{urlencode([('id', pk) for pk in ids])}",
        *(f"{MODERATION}inspect/{pk}/" for pk in ids),
        *(f"{MODERATION}history/{pk}/" for pk in ids),
    ]
    emails = hidden_emails()
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        body = (
            b"".join(response.streaming_content) if response.streaming else response.content
        ).decode()
        for email in emails:
            assert email not in body, url
            assert email.split("@")[0] not in body, url
    # What moderators do see: the text, the name shown and the area.
    html = client.get(MODERATION).content.decode()
    assert "Teach my neighbour to video call" in html
    assert "Rochester Rotary" in html
    assert "Gillingham" in html


def test_moderators_cannot_find_a_pledge_by_email(client, users, pledges):
    login(client, users["moderator"])
    html = client.get(MODERATION, {"q": "hidden.example"}).content.decode()
    assert "Teach my neighbour to video call" not in html
    html = client.get(MODERATION, {"q": "video call"}).content.decode()
    assert "Teach my neighbour to video call" in html


def test_moderation_queue_lists_waiting_pledges_first_and_filters(client, users, pledges):
    login(client, users["moderator"])
    html = client.get(MODERATION).content.decode()
    assert html.index("Teach my neighbour") < html.index("Say hello to a neighbour")
    html = client.get(MODERATION, {"moderation": "approved"}).content.decode()
    assert "Say hello to a neighbour" in html
    assert "Teach my neighbour" not in html
    html = client.get(MODERATION, {"kind": "organisation"}).content.decode()
    assert "Host a community lunch" in html
    assert "Say hello to a neighbour" not in html
    area = pledges["waiting_unconfirmed"].area
    html = client.get(MODERATION, {"area": area.pk, "confirmed": "false"}).content.decode()
    assert "Start a walking group" in html
    assert "Host a community lunch" not in html  # Gillingham too, but confirmed


def test_moderation_listing_offers_approve_and_reject_but_not_delete(client, users, pledges):
    login(client, users["moderator"])
    html = client.get(MODERATION).content.decode()
    assert f"{BULK}approve/" in html
    assert f"{BULK}reject/" in html
    assert f"{BULK}delete/" not in html
    assert "/edit/" not in html


# --- Approve and reject ------------------------------------------------------------------------


def bulk_url(action, *pledges_to_moderate, **params):
    query = [("id", p.pk) for p in pledges_to_moderate] + list(params.items())
    return f"{BULK}{action}/?{urlencode(query)}"


def test_bulk_approve_records_when_and_who_and_puts_pledges_on_the_wall(client, users, pledges):
    moderator = users["moderator"]
    login(client, moderator)
    waiting, organisation = pledges["waiting"], pledges["organisation"]
    url = bulk_url("approve", waiting, organisation, next=MODERATION)
    # The link shows a confirmation page; only the POST approves.
    assert client.get(url).status_code == 200
    assert Pledge.objects.get(pk=waiting.pk).moderation == Pledge.Moderation.PENDING
    response = client.post(url)
    assert response.status_code == 302
    assert response["Location"] == MODERATION
    for pledge in (waiting, organisation):
        pledge.refresh_from_db()
        assert pledge.moderation == Pledge.Moderation.APPROVED
        assert pledge.moderated_at is not None
        entry = ModelLogEntry.objects.get(object_id=str(pledge.pk), action="pledges.approve")
        assert entry.user_id == moderator.pk
        assert entry.label == f"Pledge {pledge.pk}"  # not the text, which may be erased later
    # Confirmed, approved and shown by choice: on the wall. The organisation chose not to be.
    assert list(Pledge.objects.on_wall().order_by("text").values_list("text", flat=True)) == [
        "Say hello to a neighbour",
        "Teach my neighbour to video call",
    ]


def test_reject_needs_a_reason_and_records_it(client, users, pledges):
    login(client, users["moderator"])
    approved = pledges["approved"]
    assert approved in Pledge.objects.on_wall()
    url = bulk_url("reject", approved, next=MODERATION)
    response = client.post(url, {"reason": "   "})
    assert response.status_code == 200
    assert "Give a reason for rejecting." in response.content.decode()
    approved.refresh_from_db()
    assert approved.moderation == Pledge.Moderation.APPROVED

    response = client.post(url, {"reason": "Contains a phone number"})
    assert response.status_code == 302
    approved.refresh_from_db()
    assert approved.moderation == Pledge.Moderation.REJECTED
    assert approved.moderation_reason == "Contains a phone number"
    assert approved.moderated_at is not None
    assert approved not in Pledge.objects.on_wall()
    assert approved not in Pledge.objects.counted()
    entry = ModelLogEntry.objects.get(object_id=str(approved.pk), action="pledges.reject")
    assert entry.data == {"reason": "Contains a phone number"}
    # Approving again clears the old reason.
    client.post(bulk_url("approve", approved))
    approved.refresh_from_db()
    assert (approved.moderation, approved.moderation_reason) == ("approved", "")
    assert approved in Pledge.objects.on_wall()


def test_single_pledge_buttons_lead_to_the_confirmation_page(client, users, pledges):
    login(client, users["moderator"])
    waiting = pledges["waiting"]
    html = client.get(f"{MODERATION}inspect/{waiting.pk}/").content.decode()
    here = f"{MODERATION}inspect/{waiting.pk}/"
    approve = bulk_url("approve", waiting, next=here).replace("&", "&amp;")
    assert approve in html
    response = client.post(bulk_url("approve", waiting, next=here))
    assert response["Location"] == here
    waiting.refresh_from_db()
    assert waiting.moderation == Pledge.Moderation.APPROVED


def test_select_all_approves_only_what_the_filtered_listing_shows(client, users, pledges):
    login(client, users["moderator"])
    rejected = PledgeFactory(text="Spam", moderation=Pledge.Moderation.REJECTED)
    client.post(f"{BULK}approve/?id=all&moderation=pending&kind=individual")
    states = dict(Pledge.objects.values_list("text", "moderation"))
    assert states["Teach my neighbour to video call"] == "approved"
    assert states["Start a walking group"] == "approved"
    assert states["Host a community lunch"] == "pending"  # an organisation: not in the listing
    assert states[rejected.text] == "rejected"


@pytest.mark.parametrize("role", ["editor", "data officer", "pledge taker"])
def test_only_moderators_can_approve_or_reject(client, users, pledges, role):
    login(client, users[role])
    waiting = pledges["waiting"]
    client.post(bulk_url("approve", waiting))
    client.post(bulk_url("reject", waiting), {"reason": "No"})
    waiting.refresh_from_db()
    assert waiting.moderation == Pledge.Moderation.PENDING
    assert waiting.moderated_at is None


def test_nobody_deletes_pledges_through_wagtails_delete_bulk_action(client, users, pledges):
    login(client, users["superuser"])
    waiting = pledges["waiting"]
    client.post(f"/admin/bulk/pledges/pledgeformoderation/delete/?id={waiting.pk}")
    client.post(f"/admin/bulk/pledges/pledge/delete/?id={waiting.pk}")
    assert Pledge.objects.filter(pk=waiting.pk).exists()


def test_no_chooser_lists_pledges(client, users, pledges):
    login(client, users["superuser"])
    assert client.get("/admin/snippets/choose/pledges/pledge/").status_code == 404
    assert client.get("/admin/snippets/choose/pledges/pledgeformoderation/").status_code == 404


def test_saving_a_pledge_does_no_reference_index_work():
    # Being listed in the admin must not slow down every pledge stored.
    assert not ReferenceIndex.is_indexed(Pledge)
    assert not ReferenceIndex.is_indexed(PledgeForModeration)


def test_services_approve_and_reject(pledges, users):
    waiting = pledges["waiting"]
    assert reject_pledges(pledges=[waiting], reason="  Too\nlong ", by=users["moderator"]) == 1
    waiting.refresh_from_db()
    assert waiting.moderation_reason == "Too long"
    with pytest.raises(ValueError, match="reason"):
        reject_pledges(pledges=[waiting], reason=" ", by=users["moderator"])
    assert approve_pledges(pledges=[waiting, pledges["organisation"]], by=None) == 2
    assert Pledge.objects.filter(moderation=Pledge.Moderation.PENDING).count() == 1


# --- Data officers: listing and export -----------------------------------------------------


def test_data_officers_see_personal_data_and_consents(client, users, pledges):
    login(client, users["data officer"])
    waiting = pledges["waiting"]
    ConsentRecord.objects.create(
        pledge=waiting, purpose="privacy", wording_version="2026-11", source="online"
    )
    html = client.get(PERSONAL).content.decode()
    for email in hidden_emails():
        assert email in html
    html = client.get(f"{PERSONAL}inspect/{waiting.pk}/").content.decode()
    assert "zebra-waiting@hidden.example" in html
    assert "Privacy notice (storing the pledge) v2026-11 online, not confirmed" in html
    assert waiting.secret not in html


def test_personal_data_filters(client, users, pledges):
    login(client, users["data officer"])
    phoned = PledgeFactory(text="Ring my aunt", channel=Pledge.Channel.PHONE, outcome="done")
    old = PledgeFactory(
        text="An old pledge", created_at=timezone.now() - datetime.timedelta(days=40)
    )

    def listed(**params):
        html = client.get(PERSONAL, params).content.decode()
        return {p.text for p in Pledge.objects.all() if p.text in html}

    assert listed(channel="phone") == {phoned.text}
    assert listed(outcome="done") == {phoned.text}
    assert phoned.text not in listed(outcome="none")
    assert listed(confirmed="true", area=pledges["waiting"].area.pk) == {
        "Teach my neighbour to video call",
        "Say hello to a neighbour",
    }
    since = (timezone.localdate() - datetime.timedelta(days=7)).isoformat()
    assert old.text not in listed(made_from=since)
    assert listed(made_to=since) == {old.text}


def read_csv(response) -> list[dict]:
    assert response["Content-Type"] == "text/csv"
    text = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(text)))


def read_xlsx(response) -> list[list]:
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = workbook.active
    return [list(row) for row in sheet.iter_rows()]


def test_csv_export_has_the_columns_data_officers_need_and_follows_filters(client, users, pledges):
    login(client, users["data officer"])
    PledgeFactory(text="Ring my aunt", channel=Pledge.Channel.PHONE, email="")
    rows = read_csv(client.get(PERSONAL, {"export": "csv"}))
    assert len(rows) == 5
    organisation = next(row for row in rows if row["Pledge"] == "Host a community lunch")
    assert organisation["Email"] == "zebra-organisation@hidden.example"
    assert organisation["Organisation name"] == "Rochester Rotary"
    assert organisation["Organisation type"] == "Community group"
    assert organisation["Area"] == "Gillingham"
    assert organisation["Kind"] == "Organisation"
    assert organisation["Channel"] == "Online"
    assert organisation["Pledge number"] == str(pledges["organisation"].pk)
    assert organisation["Confirmed at (UTC)"]
    rows = read_csv(client.get(PERSONAL, {"export": "csv", "channel": "phone"}))
    assert [row["Pledge"] for row in rows] == ["Ring my aunt"]
    assert client.get(PERSONAL, {"export": "csv"})["Content-Disposition"] == (
        'attachment; filename="pledges.csv"'
    )


HOSTILE = {
    "text": '=HYPERLINK("http://evil.example","Click")',
    "first_name": "+SUM(1,2)",
    "organisation_name": "@cmd|' /C calc'!A0",
    "email": "-2+3@evil.example",
    "heard_from": "\t=1+1",
    "moderation_reason": "\r=2+2",
}


@pytest.fixture
def hostile_pledge(db):
    return PledgeFactory(kind=Pledge.Kind.ORGANISATION, **HOSTILE)


def test_csv_export_guards_against_formula_injection(client, users, hostile_pledge):
    login(client, users["data officer"])
    rows = read_csv(client.get(PERSONAL, {"export": "csv"}))
    assert len(rows) == 1
    for value in rows[0].values():
        assert not value.startswith(FORMULA_TRIGGERS), value
    assert rows[0]["Pledge"] == "'" + HOSTILE["text"]
    assert rows[0]["First name"] == "'+SUM(1,2)"
    assert rows[0]["Organisation name"] == "'" + HOSTILE["organisation_name"]
    assert rows[0]["Email"] == "'-2+3@evil.example"
    assert rows[0]["Heard about us from"] == "'\t=1+1"
    assert rows[0]["Moderation reason"] == "'\r=2+2"


def test_xlsx_export_guards_against_formula_injection(client, users, hostile_pledge):
    login(client, users["data officer"])
    response = client.get(PERSONAL, {"export": "xlsx"})
    assert response["Content-Disposition"] == 'attachment; filename="pledges.xlsx"'
    header, row = read_xlsx(response)
    cells = dict(zip([cell.value for cell in header], row, strict=True))
    for cell in row:
        assert cell.data_type != "f"
        if isinstance(cell.value, str):
            assert not cell.value.startswith(FORMULA_TRIGGERS), cell.value
    assert cells["Pledge"].value == "'" + HOSTILE["text"]
    assert cells["First name"].value == "'+SUM(1,2)"
    assert cells["Email"].value == "'-2+3@evil.example"
    assert cells["Pledge number"].value == hostile_pledge.pk
    assert cells["Show on wall"].value is False


# Every control character PostgreSQL can store (it refuses NUL).
CONTROL = "".join(chr(code) for code in range(1, 32)) + "\x7f"
# The control characters an XLSX cell cannot hold: all but tab, line feed and carriage return.
UNHOLDABLE = set(CONTROL) - {"\t", "\n", "\r", "\x7f"}


def with_control_characters(name: str) -> str:
    # Leading ones too: once removed, what follows must still not run as a formula.
    return f"{CONTROL}={name}"


@pytest.fixture
def controlled_pledge(db):
    """A pledge whose every exported text holds every control character."""
    fields = ["text", "first_name", "organisation_name", "email", "heard_from"]
    pledge = PledgeFactory(
        kind=Pledge.Kind.ORGANISATION,
        area=AreaFactory(name=with_control_characters("area")),
        moderation_reason=with_control_characters("reason"),
        **{field: with_control_characters(field) for field in fields},
    )
    # Consent versions and sources are short: the characters are spread over three consents.
    for i in range(0, len(CONTROL), 11):
        ConsentRecord.objects.create(
            pledge=pledge,
            purpose="privacy",
            wording_version=f"v{CONTROL[i : i + 11]}",
            source=f"{CONTROL[i : i + 11]}x",
        )
    return pledge


def test_exports_hold_every_control_character_in_every_text_field(client, users, controlled_pledge):
    login(client, users["data officer"])
    csv_row = read_csv(client.get(PERSONAL, {"export": "csv"}))[0]
    header, row = read_xlsx(client.get(PERSONAL, {"export": "xlsx"}))
    xlsx_row = {h.value: cell.value for h, cell in zip(header, row, strict=True)}
    stored = {
        "Pledge": controlled_pledge.text,
        "First name": controlled_pledge.first_name,
        "Organisation name": controlled_pledge.organisation_name,
        "Email": controlled_pledge.email,
        "Area": controlled_pledge.area.name,
        "Heard about us from": controlled_pledge.heard_from,
        "Moderation reason": controlled_pledge.moderation_reason,
    }
    for heading, value in stored.items():
        # The characters a spreadsheet cannot hold are marked, the rest kept as they were.
        expected = value
        for character in UNHOLDABLE:
            expected = expected.replace(character, "\ufffd")
        assert spreadsheet_safe(value) == expected
        assert csv_row[heading] == expected, heading
        # XML, which XLSX is made of, reads every line break back as a line feed.
        assert xlsx_row[heading] == expected.replace("\r\n", "\n").replace("\r", "\n"), heading
    for exported in (csv_row, xlsx_row):
        consents = exported["Consents"]
        assert consents.count("Privacy notice") == 3
        assert not UNHOLDABLE & set(consents)
        for value in exported.values():
            if isinstance(value, str):
                assert not value.startswith(FORMULA_TRIGGERS), value


@pytest.mark.parametrize(
    ("value", "safe"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("\uff1d1+1", "'\uff1d1+1"),
        ("\x0c=1+1", "\ufffd=1+1"),
        ("Ann\x00\x1bLee", "Ann\ufffd\ufffdLee"),
        ("\n=1+1", "'\n=1+1"),
        ("Host a coffee morning", "Host a coffee morning"),
        ("a=b", "a=b"),
        (5, 5),
        (None, None),
    ],
)
def test_spreadsheet_safe(value, safe):
    assert spreadsheet_safe(value) == safe


def test_export_needs_the_export_permission(client, roles, pledges):
    viewer = UserFactory()
    viewer.groups.add(roles["Data officers"])
    roles["Data officers"].permissions.remove(
        *roles["Data officers"].permissions.filter(codename="export_pledges")
    )
    login(client, viewer)
    html = client.get(PERSONAL).content.decode()
    assert "zebra-waiting@hidden.example" in html
    assert "export=csv" not in html
    assert outcome(client.get(PERSONAL, {"export": "csv"})) == DENIED


# --- Assisted entry ----------------------------------------------------------------------------


@pytest.fixture
def assisted_form(db):
    area = AreaFactory(name="Strood")
    return {
        "channel": "phone",
        "kind": "individual",
        "suggestion": "own",
        "own_text": "Phone my brother every Sunday",
        "first_name": "",
        "organisation_name": "",
        "organisation_type": "",
        "email": "",
        "area": str(area.pk),
        "age_band": "80_plus",
        "heard_from": "council",
        "show_on_wall": "on",
        "privacy_told": "on",
        "privacy_version": "paper-3",
    }


@pytest.mark.parametrize("role", ["data officer", "pledge taker"])
def test_assisted_pledge_without_email_is_confirmed_and_counts(client, users, assisted_form, role):
    login(client, users[role])
    response = client.post(ASSISTED, assisted_form)
    assert response.status_code == 302
    assert response["Location"] == ASSISTED
    pledge = Pledge.objects.get()
    assert pledge.text == "Phone my brother every Sunday"
    assert pledge.channel == Pledge.Channel.PHONE
    assert pledge.email == ""
    assert pledge.display_name == "Someone"
    assert pledge.age_band == "80_plus"
    assert pledge.confirmed_at is not None
    assert pledge.moderation == Pledge.Moderation.PENDING  # own words: read first
    assert list(Pledge.objects.counted()) == [pledge]
    assert set(pledge.consents.values_list("purpose", "wording_version", "source")) == {
        ("privacy", "paper-3", "phone"),
        ("wall", "paper-3", "phone"),
    }
    assert not pledge.consents.filter(confirmed_at__isnull=True).exists()
    assert not OutboundEmail.objects.exists()
    entry = ModelLogEntry.objects.get(object_id=str(pledge.pk), action="pledges.assisted_entry")
    assert entry.user_id == users[role].pk
    html = client.get(ASSISTED).content.decode()
    # Only Data officers are told more than what they typed (see the tests below).
    assert ("Pledge added" if role == "data officer" else "Pledge recorded") in html
    assert "Phone my brother every Sunday" in html
    if role == "data officer":
        html = client.get(f"{PERSONAL}history/{pledge.pk}/").content.decode()
        assert "Pledge added by staff" in html


def test_assisted_organisation_pledge_from_a_suggestion_with_reminders(
    client, users, assisted_form
):
    suggestion = PledgeSuggestionFactory(text="Host a coffee morning")
    login(client, users["data officer"])
    assisted_form.update(
        channel="event",
        kind="organisation",
        suggestion=str(suggestion.pk),
        own_text="",
        organisation_name="Strood Scouts",
        organisation_type="community_group",
        email="Leader@Scouts.example",
        reminders_wanted="on",
    )
    assert client.post(ASSISTED, assisted_form).status_code == 302
    pledge = Pledge.objects.get()
    assert (pledge.kind, pledge.display_name, pledge.channel) == (
        "organisation",
        "Strood Scouts",
        "event",
    )
    assert pledge.text == "Host a coffee morning"
    assert pledge.email == "leader@scouts.example"
    assert pledge.age_band == ""  # organisations have no age
    assert pledge.moderation == Pledge.Moderation.APPROVED
    assert pledge.reminders_wanted
    assert pledge.next_reminder_at is not None
    assert pledge in Pledge.objects.counted()
    # They get the link to manage their pledge, as everyone who pledges online does.
    (email,) = OutboundEmail.objects.all()
    assert (email.key, email.to, email.template) == (
        f"pledge:{pledge.pk}:recorded",
        "leader@scouts.example",
        "pledge_recorded",
    )
    assert deliver(email.pk).outcome == "sent"
    email.refresh_from_db()
    assert email.subject == "Thank you for your pledge"
    assert (
        "Thank you for your pledge on behalf of Strood Scouts: “Host a coffee morning”."
        in email.body_text
    )
    manage_path = re.search(r"http://testserver(/pledges/manage/\S+/)", email.body_text)[1]
    assert read_token(manage_path.split("/")[-2], "manage") == pledge
    assert email.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # The same pledge from the same address again: nothing new, and staff are told.
    response = client.post(ASSISTED, assisted_form, follow=True)
    assert Pledge.objects.count() == 1
    assert OutboundEmail.objects.count() == 1
    assert "already has this pledge" in response.content.decode()


def without_tokens(html: str) -> str:
    """The page without what differs on every request (the CSRF token, CSP nonces)."""
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
    html = re.sub(r'"CSRF_TOKEN": "[^"]+"', "", html)
    return re.sub(r'nonce="[^"]+"', "", html)


def add_for_someone(client, form) -> tuple[int, str, str]:
    response = client.post(ASSISTED, form)
    page = client.get(response["Location"]).content.decode()
    return response.status_code, response["Location"], without_tokens(page)


@pytest.mark.parametrize("state", ["waiting to confirm", "confirmed", "rejected"])
def test_staff_without_the_data_officer_role_cannot_tell_whether_someone_has_pledged(
    client, users, assisted_form, state
):
    """A pledge taker types the same pledge for an address that has it already and for one that
    has not: nothing they see differs."""
    assisted_form.update(email="known@residents.example", own_text="Visit Mrs Patel on Fridays")
    existing = PledgeFactory(
        email="known@residents.example",
        text="Visit Mrs Patel on Fridays",
        confirmed_at=None if state == "waiting to confirm" else timezone.now(),
        moderation="rejected" if state == "rejected" else "approved",
    )
    login(client, users["pledge taker"])
    already_there = add_for_someone(client, assisted_form)
    assert Pledge.objects.count() == 1  # nothing new: it was there

    assisted_form.update(email="new@residents.example")
    new = add_for_someone(client, assisted_form)
    assert Pledge.objects.exclude(pk=existing.pk).get().email == "new@residents.example"

    assert already_there == new
    assert "Pledge recorded: “Visit Mrs Patel on Fridays”." in new[2]
    assert "go to a moderator" in new[2]  # what happens to own words, whoever wrote them
    for telling in ["already", "confirm it by email", "nothing new", "counts from now"]:
        assert telling not in new[2]


def test_data_officers_are_told_when_the_pledge_was_already_there(client, users, assisted_form):
    assisted_form.update(email="known@residents.example", own_text="Visit Mrs Patel on Fridays")
    PledgeFactory(email="known@residents.example", text="Visit Mrs Patel on Fridays")
    login(client, users["data officer"])
    html = client.post(ASSISTED, assisted_form, follow=True).content.decode()
    assert "This email address already has this pledge, so nothing new was added" in html
    assert "waiting for them to confirm it by email" in html
    assert Pledge.objects.count() == 1
    assisted_form.update(email="new@residents.example")
    html = client.post(ASSISTED, assisted_form, follow=True).content.decode()
    assert "Pledge added: “Visit Mrs Patel on Fridays”. It counts from now" in html


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"reminders_wanted": "on"}, "reminders_wanted", "Reminders need an email address"),
        ({"own_text": ""}, "own_text", "Type the pledge"),
        ({"own_text": "See www.spam.example"}, "own_text", "Remove links"),
        ({"kind": "organisation"}, "organisation_name", "Enter the organisation"),
        ({"channel": "online"}, "channel", "Select a valid choice"),
        ({"privacy_told": ""}, "privacy_told", "Tell them how we use their information"),
        ({"email": "not-an-email"}, "email", "Enter an email address in the correct format"),
    ],
)
def test_assisted_entry_errors_link_to_fields_and_store_nothing(
    client, users, assisted_form, changes, field, message
):
    login(client, users["data officer"])
    assisted_form.update(changes)
    response = client.post(ASSISTED, assisted_form)
    assert response.status_code == 400
    html = response.content.decode()
    assert "There is a problem" in html
    assert f'href="#id_{field}' in html
    assert message in html
    assert not Pledge.objects.exists()
    # Nothing typed is lost.
    if assisted_form["own_text"]:
        assert assisted_form["own_text"] in html


def test_group_editor_offers_the_pledge_roles_permissions(client, users, roles):
    login(client, users["superuser"])
    response = client.get(f"/admin/groups/edit/{roles['Data officers'].pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    for name in [
        "Can approve or reject pledges (sees no personal data)",
        "Can see pledges with names, emails and consents",
        "Can download pledges with personal data (CSV, XLSX)",
    ]:
        assert html.count(name) == 1


def test_assisted_form_starts_with_the_current_privacy_version(client, users, pledge_page):
    login(client, users["pledge taker"])
    html = client.get(ASSISTED).content.decode()
    assert 'value="2026-11"' in html


def test_pledge_text_is_escaped_in_the_moderation_pages(client, users):
    hostile = PledgeFactory(
        text='"><script>alert(1)</script>', first_name="<b>Bo</b>", moderation="pending"
    )
    login(client, users["moderator"])
    for url in [
        MODERATION,
        f"{MODERATION}inspect/{hostile.pk}/",
        bulk_url("reject", hostile),
    ]:
        html = client.get(url).content.decode()
        assert "<script>alert(1)" not in html, url
        assert "<b>Bo</b>" not in html, url
        assert "&lt;script&gt;alert(1)" in html, url
