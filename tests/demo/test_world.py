"""``xinyong demo`` beyond records: published and announced measures, a public black list and a red list with
entries in force, and the fixed demo tokens — each of which signs in to the portal and lands on its role's home."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from xinyong.clock import today
from xinyong.config import get_settings
from xinyong.db import session_scope
from xinyong.demo import world
from xinyong.demo.load import load_demo
from xinyong.listing import service as listing
from xinyong.measure import service as measures
from xinyong.models import CreditList, ListEntry, Measure, UnitToken

from ..portal.support import portal_client

RECORDS = 200  # one demo load per database (the load is most of the time): one test asserts all of it


@pytest.fixture
def demo(engine):
    lines: list[str] = []
    load_demo(records=RECORDS, seed=7, echo=lines.append, engine=engine)
    return lines


def _counts(engine) -> tuple[int, ...]:
    with session_scope(engine) as s:
        return tuple(s.scalar(select(func.count()).select_from(t)) for t in (Measure, CreditList, ListEntry, UnitToken))


@pytest.mark.article("Art. 22")
def test_the_demo_world_measures_lists_and_tokens_that_sign_in(engine, demo):
    _measures_and_public_lists_with_entries(engine)
    _each_demo_token_signs_in_and_lands_on_its_roles_home(engine, demo)
    _the_company_token_is_an_agents_and_a_second_run_adds_nothing(engine)


def _measures_and_public_lists_with_entries(engine):
    with session_scope(engine) as s:
        published = measures.public_application_list(s)
        lists = {lst["code"]: lst for lst in listing.public_lists(s)}
        black = listing.public_list(s, world.BLACK_LIST, channel="portal")
        red = listing.public_list(s, world.RED_LIST, channel="portal")
    assert {m["code"] for m in published} >= {"DEMO-I-29-1", "DEMO-P-30-5", "DEMO-P-30-2", "DEMO-R-31-1"}
    assert all(m["announced"] for m in published), published  # Art. 32.2: announced on the day
    assert {m["kind"] for m in published} == {"incentive", "punishment", "restriction"}
    assert lists[world.BLACK_LIST]["kind"] == "black" and lists[world.RED_LIST]["kind"] == "red"
    assert lists[world.BLACK_LIST]["conditions"]["remedies"]  # Art. 25.3: published with its conditions
    # the public sees the entries (a public list's organizations), so /lists/{code} is not empty
    assert len(black["entries"]) >= 2 and len(red["entries"]) >= 1
    # the standard was put out for comment first (Art. 24), with the comments and their answers where kept
    assert black["comment_period"]["from"] and black["comment_period"]["to"]
    # a draft of the catalog is out for public comment (Art. 10.2), so /catalog shows one
    from xinyong.catalog import compilation

    with session_scope(engine) as s:
        [draft] = compilation.public_drafts(s)
    assert draft["state"] == "out_for_comment" and draft["proposals"][0]["assessments"]
    assert [c["response"] is not None for c in draft["comments"]] == [True, False]
    page = portal_client(engine).get("/catalog").text
    assert f'/catalog/drafts/{draft["id"]}' in page


def _each_demo_token_signs_in_and_lands_on_its_roles_home(engine, demo):
    printed = "\n".join(demo)
    for t in world.DEMO_TOKENS:
        assert t.token in printed, t.token  # the demo prints every token with whom it signs in as
        client = portal_client(engine)
        r = client.sign_in(t.token)
        assert r.status_code == 303, (t.token, r.status_code, r.text[:300])
        assert r.headers["location"] == t.home, (t.token, r.headers["location"])
        assert client.cookies.get("xinyong_session"), t.token
    saved = json.loads((get_settings().var_dir / "demo-tokens.json").read_text())
    assert set(saved["portal"]) == {t.token for t in world.DEMO_TOKENS}


def _the_company_token_is_an_agents_and_a_second_run_adds_nothing(engine):
    from xinyong.auth import token_digest

    with session_scope(engine) as s:
        row = s.scalar(select(UnitToken).where(UnitToken.token_digest == token_digest("demo-company")))
        assert row.subject_id is not None and row.agent_name == world.AGENT_NAME and row.agent_document
        on_black = s.scalar(select(func.count()).select_from(ListEntry).join(CreditList).where(
            CreditList.code == world.BLACK_LIST, ListEntry.subject_id == row.subject_id))
        assert on_black == 1  # the agent's company is on the black list: its /me has something to show
    before = _counts(engine)
    with session_scope(engine) as s:  # what a second ``xinyong demo`` does after the (idempotent) import
        again = world.seed(s, day=today(), echo=lambda _line: None)
    assert _counts(engine) == before and set(again) == {t.token for t in world.DEMO_TOKENS}
