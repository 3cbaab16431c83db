"""A cohort drill scores each attempt against the scenario version its trainee ran (issue 16.5).

The trainer edits the scenario while the drill runs: the trainee who joined before the edit ran
version 1, the one who joined after ran version 2. Ending the drill on the board must score each
against their own version, and the stored score must be the one the debrief shows.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from simulator.actions import Acknowledge, Classify
from simulator.drill import Drill, load_default_policy
from simulator.scenario import parse_scenario
from simulator.scoring import score_drill
from simulator.services import cohorts as cohort_service
from simulator.services import drills as drill_service
from simulator.store import attempts as store_att
from simulator.store import cohorts as store_cohorts
from simulator.store import scenarios as store_sc
from tests.conftest import ROOT
from tests.helpers import app_test, make_users

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SCENARIOS = ROOT / "scenarios"
SCENARIO_ID = "pool-exhaustion-copy"


def _version_text(severity: str) -> str:
    # A test-owned copy of the pool-exhaustion incident: its answer's severity line is edited here.
    own = ROOT / "tests" / "fixtures" / "scenarios" / "pool-exhaustion.yaml"
    text = store_sc.with_new_id(own.read_text(), SCENARIO_ID)
    assert "  severity: HIGH\n" in text
    return text.replace("  severity: HIGH\n", f"  severity: {severity}\n", 1)


def _engine(text: str) -> Drill:
    return Drill.create(parse_scenario(text, f"{SCENARIO_ID}.yaml", SCENARIOS), 7, load_default_policy())


def test_ending_a_cohort_drill_scores_each_attempt_against_the_version_it_ran(tmp_store):
    users = make_users(tmp_store)
    cohort = store_cohorts.create_cohort(tmp_store, "Q2", date(2026, 3, 2), "trainer", T0)
    for u in ("trainee1", "trainee2"):
        store_cohorts.add_member(tmp_store, cohort.id, u, "trainer", T0)
    v1 = _version_text("HIGH")
    store_sc.save_version(tmp_store, v1, "trainer", T0, base_dir=SCENARIOS)
    cd = cohort_service.schedule_cohort_drill(tmp_store, cohort.id, SCENARIO_ID, 7, "trainer", T0)
    cohort_service.control_cohort_drill(tmp_store, cd.id, "start", "trainer", T0)

    first = cohort_service.join_cohort_drill(
        tmp_store, cd.id, users["trainee1"].id, "trainee1", _engine(v1), T0
    )
    v2 = _version_text("LOW")  # the trainer changes the expected severity mid-drill
    store_sc.save_version(tmp_store, v2, "trainer", T0 + timedelta(minutes=1), base_dir=SCENARIOS)
    second = cohort_service.join_cohort_drill(
        tmp_store, cd.id, users["trainee2"].id, "trainee2", _engine(v2), T0 + timedelta(minutes=1)
    )
    for aid, engine in ((first, _engine(v1)), (second, _engine(v2))):
        at = T0 + timedelta(minutes=3)
        drill_service.record_action(tmp_store, aid, engine, Acknowledge(action="acknowledge"), at)
        drill_service.record_action(tmp_store, aid, engine, Classify(action="classify", severity="HIGH"), at)

    board = app_test("pages/cohort_board.py", role="trainer", query_params={"cohort": str(cohort.id)})
    board.run()
    assert not board.exception
    next(b for b in board.button if b.label == "End drill").click().run()
    assert not board.exception

    for aid, ran in ((first, v1), (second, v2)):
        attempt = store_att.get_attempt(tmp_store, aid)
        assert attempt.status == "finished"
        assert attempt.scenario_text == ran  # pinned at join
        # What the debrief shows: the attempt re-scored from its own stored version.
        shown = score_drill(drill_service.drill_for(attempt, SCENARIOS), store_att.events_for(tmp_store, aid))
        assert attempt.score["score"] == shown.to_dict()["score"]
    # The edit mattered: the same actions score differently under the two versions, so scoring
    # everyone against the newest version would have changed the first trainee's result.
    first_att, second_att = store_att.get_attempt(tmp_store, first), store_att.get_attempt(tmp_store, second)
    assert first_att.score["score"] != second_att.score["score"]
