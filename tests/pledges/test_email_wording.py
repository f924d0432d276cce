"""How pledge emails read, for suggested pledges and people's own words, for residents and
organisations: the pledge is quoted whatever its words, and the greeting fits who pledged."""

import html
import re

import pytest

from mailings.models import OutboundEmail
from mailings.services import deliver
from pledges.models import Pledge
from pledges.services import PledgeDetails, make_pledge

from .factories import AreaFactory, PledgeSuggestionFactory

OWN_WORDS = "I will knock on a door on my street and say hello"


def sent(email_key_end: str) -> OutboundEmail:
    email = OutboundEmail.objects.get(key__endswith=email_key_end)
    assert deliver(email.pk).outcome == "sent"
    email.refresh_from_db()
    return email


def visible_text(body_html: str) -> str:
    inline_free = re.sub(r"</?(strong|a)\b[^>]*>", "", body_html)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", inline_free)).split())


@pytest.mark.parametrize("channel", ["online", "phone"])  # confirm / recorded
@pytest.mark.parametrize("kind", ["individual", "organisation"])
@pytest.mark.parametrize("source", ["suggested", "own"])
def test_the_pledge_is_quoted_and_the_greeting_fits(db, channel, kind, source):
    suggestion = PledgeSuggestionFactory(text="Say hello to a neighbour")
    words = suggestion.text if source == "suggested" else OWN_WORDS
    organisation = kind == "organisation"
    make_pledge(
        details=PledgeDetails(
            area=AreaFactory(),
            first_name="Lee",
            email="lee@example.org",
            suggestion=suggestion if source == "suggested" else None,
            own_text="" if source == "suggested" else OWN_WORDS,
            kind=kind,
            organisation_name="Rochester Rotary" if organisation else "",
            organisation_type="community_group" if organisation else "",
        ),
        privacy_version="2026-11",
        channel=channel,
    )
    email = sent(":confirm" if channel == "online" else ":recorded")
    on_behalf = " on behalf of Rochester Rotary" if organisation else ""
    expected = f"Thank you for your pledge{on_behalf}: “{words}”."
    for text in (email.body_text, visible_text(email.body_html)):
        assert "Hello Lee," in text
        assert expected in text
        assert "pledge to" not in text


def test_someone_who_gave_no_name_is_greeted_without_one(db):
    make_pledge(
        details=PledgeDetails(area=AreaFactory(), email="anon@example.org", own_text=OWN_WORDS),
        privacy_version="paper-1",
        channel=Pledge.Channel.PAPER,
    )
    email = sent(":recorded")
    assert email.body_text.startswith("Hello,\n")
    assert "Someone" not in email.body_text
