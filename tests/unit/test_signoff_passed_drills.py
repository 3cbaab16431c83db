"""Pass/fail in one place (issue 14.8): sign-off counts criteria only from drills that passed,
and the stored pass flag of a drill is re-decided by `scoring.verdict` wherever it is read."""

from __future__ import annotations

from datetime import UTC, datetime

import yaml

from simulator.actions import load_responses
from simulator.cohort import BoardRow, comparison_rows
from simulator.curriculum import UNMET_SCORE_CAP, evaluate_signoff, load_curriculum
from simulator.drill import Drill, events_from_responses, load_default_policy
from simulator.scenario import load_scenario
from simulator.scoring import score_drill, verdict
from simulator.services import drills as drill_service
from simulator.store import attempts as store_att
from simulator.store import curriculum as store_cur
from tests.unit.test_scoring_world import FIXTURES, never_fixes
from tests.unit.test_signoff import drill, full_evidence

CUR = load_curriculum()
AT = datetime(2026, 3, 13, 15, 30, tzinfo=UTC)


def _without_drills():
    return [e for e in full_evidence() if e.kind != "drill"]


def test_a_good_communication_score_in_a_failed_drill_is_no_evidence():
    ev = [*_without_drills(), drill("db-pool-exhaustion", passed=False, score=0.85, communication=0.95)]
    a = evaluate_signoff(CUR, ev)
    comm = a.criterion("communication")
    drill_req = next(q for q in comm.requirements if "Communication" in q.description)
    assert not drill_req.met and not drill_req.evidence
    assert drill_req.missing == "1 drill(s) recorded, none passed"
    assert "passed drill" in drill_req.description and "communication ≥" not in drill_req.description
    # "Score 85%, Met: no" cannot be shown: an unmet criterion never reads as met.
    for c in a.criteria:
        if not c.met:
            assert c.score <= UNMET_SCORE_CAP and c.rating in ("M", "U")


def test_the_same_score_in_a_passed_drill_counts():
    ev = [*_without_drills(), drill("db-pool-exhaustion"), drill("complete-outage")]
    assert evaluate_signoff(CUR, ev).criterion("communication").met


def _card(items):
    d = Drill.create(load_scenario(FIXTURES / "pool-exhaustion.yaml"), None, load_default_policy())
    responses = load_responses(yaml.safe_dump({"actions": items}), "test", d.scenario)
    return d, score_drill(d, events_from_responses(d, responses))


def test_a_failed_drill_stored_with_a_stale_pass_flag_is_not_sign_off_evidence(tmp_store):
    expert = yaml.safe_load((FIXTURES / "pool-exhaustion.expert.yaml").read_text())["actions"]
    d, card = _card(never_fixes(_card(expert)[0], expert))
    stored = card.to_dict()
    assert not stored["passed"]
    stored["passed"] = True  # as written by an older, more lenient scorer
    aid = drill_service.start_attempt(tmp_store, user_id=None, username="ada", drill=d, speed=1.0, now=AT)
    store_att.finish_attempt(tmp_store, aid, score=stored, now=AT)
    attempt = store_att.get_attempt(tmp_store, aid)
    assert attempt is not None and attempt.passed is False
    drills = [e for e in store_cur.all_evidence(tmp_store, "ada") if e.kind == "drill"]
    assert drills and not any(e.passed for e in drills)
    assert not evaluate_signoff(CUR, drills).criterion("mock_drill").met
    # The cohort board's side-by-side table says the same, with the reason.
    row = BoardRow("ada", "Ada", True)
    compare = comparison_rows([row], lambda at: None, {"ada": stored})
    assert compare[0]["passed"] == "no" and "the fix was never applied" in compare[0]["why not"]
    assert verdict(stored).passed is False
