"""No spoilers: what a trainee sees of each built-in scenario before the debrief never names the
root cause or calls the alert a false positive — the neutral title, the shuffled choices, the
library preview that stops at the incident and the pages a trainee opens (picker, library, live
drill, cohort drill)."""

from __future__ import annotations

import functools
import json
import re
from datetime import UTC, date, datetime

import pytest

from simulator.actions import STATUS_PAGE_STATES
from simulator.drill import Drill, load_default_policy
from simulator.scenario import LoadedScenario, load_scenario, parse_scenario, scenario_files
from simulator.services import cohorts as cohort_service
from simulator.services import drills as drill_service
from simulator.spoilers import shuffled, spoiler_words, spoilers_in, trainee_title
from simulator.store import people
from simulator.vocabulary import Role
from tests import helpers
from tests.conftest import FIXTURES
from tests.helpers import ROOT, app_test, each_action_tab, ensure_user, open_action_tab

PACK = {p.stem: load_scenario(p) for p in scenario_files(ROOT / "scenarios")}
# The drill's answer forms list the true cause among distractors (and "False positive" beside
# "Real") by design; only their order and the absence of a preselection protect them, which the
# tests below check separately.
CHOICE_LABELS = ("Is this a real incident?", "Most likely root cause", "Mitigation")
# Fixed lists that are the same in every drill ("On-call backup" is a role, not the backup job).
FIXED_LISTS = ("Call",)


# The app's own fixed vocabulary, the same in every drill: "On-call backup" is a role, not the
# nightly backup job; "Monitoring" is a status-page state, not the overloaded monitoring host.
UI_VOCABULARY = sorted(
    [Role(r).title for r in Role] + [s.capitalize() for s in STATUS_PAGE_STATES], key=len, reverse=True
)


def plain(markdown: str) -> str:
    """Text as a reader sees it: without the escapes and word joiners of ui.markdown."""
    return markdown.replace("\\", "").replace("\u2060", "")


def shown(at) -> str:
    """Every piece of text the page puts on screen, apart from the answer-choice options."""
    parts: list[str] = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "text", "info", "success"):
        parts += [str(e.value) for e in getattr(at, kind)]
    for kind in ("warning", "error", "code"):
        parts += [str(e.value) for e in getattr(at, kind)]
    parts += [e.label for e in at.expander] + [b.label for b in at.button]
    for widget in (*at.selectbox, *at.radio):
        if widget.label not in (*CHOICE_LABELS, *FIXED_LISTS):
            parts += [widget.label, *(str(o) for o in widget.options)]
    for chart in at.get("plotly_chart"):
        spec = json.loads(chart.proto.spec)
        parts += [str(line.get("name", "")) for line in spec.get("data", [])]
        parts.append(json.dumps(spec.get("layout", {}).get("title", "")))
    return plain("\n".join(parts))


# --- the pure parts ---------------------------------------------------------------------------


def test_every_built_in_scenario_has_a_briefing_title_that_gives_nothing_away():
    for sid, loaded in PACK.items():
        sc = loaded.scenario
        assert sc.briefing_title, f"{sid}: no briefing_title"
        assert sc.briefing_title != sc.title
        assert spoilers_in(sc.briefing_title, loaded) == [], sid
        assert spoilers_in(sc.briefing, loaded) == [], sid


def _fixture(name: str):
    """A test-owned copy of a shipped incident: the words these checks expect are the copy's."""
    return load_scenario(FIXTURES / "scenarios" / f"{name}.yaml")


def test_the_spoiler_words_are_the_cause_not_the_symptom():
    assert spoiler_words(_fixture("outage")) >= {"certificate", "expired"}
    assert "leak" in spoiler_words(_fixture("memory-warning"))
    assert "memory" not in spoiler_words(_fixture("memory-warning"))  # the alert says so
    assert spoilers_in("Is this a False Positive?", _fixture("pool-exhaustion")) == ["false positive"]


def test_a_scenario_without_a_briefing_title_is_shown_by_its_service_only():
    outage = _fixture("outage")
    text = outage.text.replace("briefing_title:", "# briefing_title:")
    sc = parse_scenario(text, "x.yaml", base_dir=ROOT / "scenarios").scenario
    assert trainee_title(sc) == f"Incident on {outage.scenario.service}"


def test_choices_are_shuffled_per_attempt_and_stable_within_one():
    options = [f"option {i}" for i in range(6)]
    first = shuffled(options, 7, "attempt-1/hypothesis")
    assert sorted(first) == options
    assert shuffled(options, 7, "attempt-1/hypothesis") == first  # a rerun keeps the order
    orders = {tuple(shuffled(options, seed, "attempt-1/hypothesis")) for seed in range(20)}
    assert len(orders) > 10
    # The right answer (first in the file) is not first for most attempts.
    assert sum(shuffled(options, seed, "x")[0] == "option 0" for seed in range(60)) < 30


# --- the pages a trainee opens ----------------------------------------------------------------


def _offending(text: str, loaded: LoadedScenario) -> list[str]:
    for phrase in UI_VOCABULARY:
        text = re.sub(re.escape(phrase), " ", text, flags=re.IGNORECASE)
    return spoilers_in(text, loaded)


def test_the_library_never_names_a_cause_to_a_trainee():
    at = app_test("pages/library.py", role="trainee", timeout=60)
    at.run()
    assert not at.exception
    ids = list(at.radio[0].options)
    assert len(ids) == len(PACK)
    for sid in PACK:
        at.radio[0].set_value(sid).run()
        assert not at.exception
        text = shown(at)
        assert trainee_title(PACK[sid].scenario) in text
        assert _offending(text, PACK[sid]) == [], sid
    # The list shows every scenario's title at once: none may spoil any scenario.
    listed = plain("\n".join(at.radio[0].options))
    for other, loaded in PACK.items():
        assert _offending(listed, loaded) == [], other


def test_the_drill_picker_lists_neutral_titles_only():
    at = app_test("pages/drill.py", role="trainee", timeout=60)
    at.run()
    assert not at.exception
    text = shown(at)
    for sid, loaded in PACK.items():
        assert trainee_title(loaded.scenario) in text
        assert _offending(text, loaded) == [], sid


def _attempt(sid: str, username: str) -> int:
    store = helpers.test_store()
    try:
        person = ensure_user(store, username, "trainee")
        drill = Drill.create(PACK[sid], None, load_default_policy())
        return drill_service.start_attempt(
            store, user_id=person.id, username=username, drill=drill, speed=1, now=datetime.now(UTC)
        )
    finally:
        store.dispose()


@functools.cache
def _fixed_lines(reference: str) -> frozenset[str]:
    """Lines the drill page shows for any scenario (guidance, rubrics, labels): the app's own
    words, read from another scenario's drill, so a rubric's example 'rolling back the deploy'
    is not taken for this scenario's answer."""
    aid = _attempt(reference, "trainee3")
    at = app_test(
        "pages/drill.py", role="trainee", username="trainee3", query_params={"attempt": str(aid)}, timeout=90
    )
    at.run()
    return frozenset(line for _tab in each_action_tab(at, aid) for line in shown(at).splitlines())


@pytest.mark.parametrize("sid", sorted(PACK))
def test_the_live_drill_shows_the_neutral_title_and_no_verdict(sid):
    aid = _attempt(sid, "trainee1")
    at = app_test("pages/drill.py", role="trainee", query_params={"attempt": str(aid)}, timeout=90)
    at.run()
    assert plain(at.title[0].value) == trainee_title(PACK[sid].scenario)
    fixed = _fixed_lines("memory-warning-worker" if sid != "memory-warning-worker" else "disk-trend-warning")
    answer = PACK[sid].scenario.answer
    for tab in each_action_tab(at, aid):  # the action bar draws one tab at a time: each of them
        assert not at.exception, tab
        text = "\n".join(line for line in shown(at).splitlines() if line not in fixed)
        assert _offending(text, PACK[sid]) == [], tab
        # The prefilled drafts (post-incident report, customer e-mail) are the team's templates:
        # they use words like "Root cause" as headings but never fill in the answer.
        for draft in (str(t.value or "") for t in at.text_area):
            assert answer.title not in draft and answer.root_cause.strip()[:40] not in draft
        # Nothing is chosen for the trainee.
        for widget in (*at.selectbox, *at.radio):
            if widget.label in (*CHOICE_LABELS, *FIXED_LISTS, "Severity"):
                assert widget.value is None, widget.label


def test_hypotheses_and_mitigations_come_in_another_order_in_another_attempt():
    orders = set()
    for n in range(4):
        aid = _attempt("db-pool-exhaustion", f"trainee{n + 1}")
        at = app_test(
            "pages/drill.py",
            role="trainee",
            username=f"trainee{n + 1}",
            query_params={"attempt": str(aid)},
            timeout=90,
        )
        at.run()
        open_action_tab(at, aid, "Diagnose & fix")
        hyp = next(r for r in at.radio if r.label == "Most likely root cause")
        mit = next(s for s in at.selectbox if s.label == "Mitigation")
        orders.add((tuple(hyp.options), tuple(mit.options)))
    assert len(orders) > 1


def test_the_cohort_drill_invitation_shows_the_neutral_title(tmp_store):
    helpers.make_users(tmp_store)
    t0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    cohort = people.create_cohort(tmp_store, "Spring intake", date(2026, 3, 2), "trainer", t0)
    people.add_member(tmp_store, cohort.id, "trainee2", "trainer", t0)
    for sid in ("complete-outage", "scrape-glitch-false-positive", "memory-warning-worker"):
        cohort_service.schedule_cohort_drill(tmp_store, cohort.id, sid, 7, "trainer", t0)
    at = app_test("pages/cohort_join.py", role="trainee", username="trainee2")
    at.run()
    assert not at.exception
    text = shown(at)
    for sid in ("complete-outage", "scrape-glitch-false-positive", "memory-warning-worker"):
        assert trainee_title(PACK[sid].scenario) in text
        assert _offending(text, PACK[sid]) == [], sid


def test_my_attempts_names_an_unfinished_drill_by_its_neutral_title():
    aid = _attempt("scrape-glitch-false-positive", "trainee2")
    at = app_test("pages/attempts.py", role="trainee", username="trainee2", timeout=60)
    at.run()
    assert not at.exception
    resume = next(b for b in at.button if b.label.startswith(f"Resume #{aid}"))
    assert trainee_title(PACK["scrape-glitch-false-positive"].scenario) in plain(resume.label)
    text = shown(at) + "\n" + "\n".join(str(d.value) for d in at.dataframe)
    assert "false-positive" not in text and "false positive" not in text.lower()
