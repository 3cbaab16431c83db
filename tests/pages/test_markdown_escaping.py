"""User-supplied text never renders as Markdown (issue 16.3): a corpus of payloads — a phishing
link, a remote image, a `:red[...]` directive and emoji shortcode, HTML, LaTeX, a heading, a
`javascript:` link — goes through the one escaper and through every page that shows such text."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from streamlit.testing.v1 import AppTest

from simulator.drill import Drill, load_default_policy
from simulator.scenario import parse_scenario
from simulator.services import cohorts as cohort_service
from simulator.services import drills as drill_service
from simulator.store import accounts, attempts, cohorts
from tests.helpers import ROOT, app_test, make_users
from ui.markdown import md_lines, md_text

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PAYLOADS = [
    "[Reset your password](https://evil.example/login)",
    "![pixel](https://evil.example/track.png)",
    ":red[URGENT] :fire: :material/warning:",
    "<img src=x onerror=alert(1)><b>bold</b>",
    "$\\frac{1}{0}$ and $$x$$",
    "# Heading",
    "[click](javascript:alert(1))",
    "| a | b |",
    "- list item",
    "see www.evil.example or mail a@evil.example",
]
# A payload short enough for a display name (100) or cohort name (120) that combines the worst.
COMBINED = "[p](https://e.example) ![i](https://e.example/i.png) :red[x] <b>h</b> $x$ [j](javascript:x)"

# Markdown syntax that would be live if any of these characters were left unescaped.
_LIVE = re.compile(r"(?<!\\)[\[\]()<>$#|!]|(?<!\\):(?!\u2060)|^\s*[-+*]\s")


def _inert(markdown: str) -> bool:
    return not _LIVE.search(markdown) and "https://" not in markdown and "www." not in markdown


@pytest.mark.parametrize("payload", [*PAYLOADS, COMBINED])
def test_the_escaper_leaves_no_live_markdown_and_keeps_every_character(payload):
    escaped = md_text(payload)
    assert _inert(escaped)
    # What the reader sees: the escapes and invisible joiners removed, every character is there.
    assert re.sub(r"\\(.)", r"\1", escaped.replace("\u2060", "")).replace("\u00a0", " ") == payload


def test_several_lines_stay_lines_without_becoming_a_list_or_heading():
    out = md_lines("# Heading\n- item\n1. first")
    assert out.split("  \n") == ["\\# Heading", "\\- item", "1\\. first"]


def _bodies(at: AppTest) -> list[str]:
    """Every Markdown body the page sent, wherever it sits (main area, sidebar, alerts, headings)."""
    out = [m.value for m in at.markdown] + [c.value for c in at.caption]
    out += [h.value for h in (*at.title, *at.header, *at.subheader)]
    out += [e.value for e in (*at.info, *at.warning, *at.error, *at.success)]
    return out


def _shows_escaped(at: AppTest, payload: str) -> None:
    assert not at.exception
    bodies = _bodies(at)
    assert any(md_text(payload) in b for b in bodies), f"{md_text(payload)!r} not in {bodies}"
    for raw in ("](https://", "](javascript:", "![", ":red[", "<b>"):
        assert not any(raw in b for b in bodies), raw


@pytest.fixture
def hostile(tmp_store):
    """The test users, trainee1 with a hostile display name, in a cohort with a hostile name."""
    make_users(tmp_store)
    with tmp_store.session() as s:
        row = s.get(accounts.UserRow, accounts.get_user_by_username(tmp_store, "trainee1").id)
        row.display_name = COMBINED
    cohort = cohorts.create_cohort(tmp_store, COMBINED, date(2026, 3, 2), "trainer", T0)
    cohorts.add_member(tmp_store, cohort.id, "trainee1", "trainer", T0)
    return cohort


def test_the_sidebar_shows_a_hostile_display_name_as_text(hostile):
    at = app_test("pages/home.py", role="trainee", username="trainee1")
    at.run()
    _shows_escaped(at, COMBINED)


def test_the_cohorts_page_shows_a_hostile_cohort_name_as_text(hostile):
    at = app_test("pages/cohorts.py", role="trainer", query_params={"cohort": str(hostile.id)})
    at.run()
    _shows_escaped(at, COMBINED)


def test_the_cohort_join_and_board_pages_show_a_hostile_cohort_name_as_text(hostile, tmp_store):
    cohort_service.schedule_cohort_drill(tmp_store, hostile.id, "db-pool-exhaustion", 7, "trainer", T0)
    join = app_test("pages/cohort_join.py", role="trainee", username="trainee1")
    join.run()
    _shows_escaped(join, COMBINED)
    board = app_test("pages/cohort_board.py", role="trainer", query_params={"cohort": str(hostile.id)})
    board.run()
    _shows_escaped(board, COMBINED)


def test_the_sign_off_page_shows_a_hostile_display_name_as_text(hostile):
    at = app_test("pages/signoff.py", role="trainer")
    at.run()
    at.selectbox[0].set_value("trainee1").run()
    _shows_escaped(at, COMBINED)


def _hostile_attempt(store, title: str) -> int:
    # A test-owned copy of the pool-exhaustion incident: the titles replaced here are its own.
    text = (ROOT / "tests" / "fixtures" / "scenarios" / "pool-exhaustion.yaml").read_text()
    assert 'briefing_title: "API: database connection pool usage climbing"' in text
    text = text.replace(
        'briefing_title: "API: database connection pool usage climbing"', f"briefing_title: {title!r}", 1
    ).replace("title: Database connection pool exhaustion", f"title: {title!r}", 1)
    loaded = parse_scenario(text, "pool-exhaustion.yaml", ROOT / "scenarios")
    drill = Drill.create(loaded, 7, load_default_policy())
    user = accounts.get_user_by_username(store, "trainee1")
    return drill_service.start_attempt(
        store, user_id=user.id, username="trainee1", drill=drill, speed=1, now=T0
    )


@pytest.mark.parametrize("payload", [PAYLOADS[0], PAYLOADS[1], PAYLOADS[2], PAYLOADS[3], PAYLOADS[6]])
def test_the_drill_and_debrief_show_a_hostile_scenario_title_as_text(tmp_store, payload):
    make_users(tmp_store)
    aid = _hostile_attempt(tmp_store, payload)
    drill_page = app_test("pages/drill.py", role="trainee", query_params={"attempt": str(aid)}, timeout=60)
    drill_page.run()
    _shows_escaped(drill_page, payload)
    att = attempts.get_attempt(tmp_store, aid)
    drill_service.finish_and_score(tmp_store, aid, drill_service.drill_for(att), T0)
    debrief = app_test("pages/debrief.py", role="trainer", query_params={"attempt": str(aid)}, timeout=60)
    debrief.run()
    _shows_escaped(debrief, payload)


def test_the_debrief_shows_the_trainees_report_lines_as_text(tmp_store):
    make_users(tmp_store)
    aid = _hostile_attempt(tmp_store, "Pool trouble")
    att = attempts.get_attempt(tmp_store, aid)
    drill_service.finish_and_score(tmp_store, aid, drill_service.drill_for(att), T0)
    at = app_test("pages/debrief.py", role="trainee", query_params={"attempt": str(aid)}, timeout=60)
    at.run()
    report = "## Timeline\n\n- 03:00 UTC — " + COMBINED + "\n\n## Action items\n\n- " + PAYLOADS[1] + "\n"
    next(a for a in at.text_area if a.label == "Edit your report (Markdown)").set_value(report)
    next(b for b in at.button if b.label == "Check against the log and save").click().run()
    _shows_escaped(at, COMBINED)
