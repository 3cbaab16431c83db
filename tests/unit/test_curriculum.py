"""The curriculum file, progress through the week and the ongoing-training cadence."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from simulator import formats
from simulator.curriculum import (
    EvidenceRecord,
    compute_progress,
    load_curriculum,
    next_monthly_review,
    next_refresher,
    validate_curriculum_text,
)
from simulator.yamlio import FormatError

ROOT = Path(__file__).resolve().parents[2]
T0 = datetime(2026, 3, 9, 9, 0, tzinfo=UTC)
# A test-owned copy of the curriculum: the exercise ids, pass marks, days and intervals the tests of
# progress and cadence pin are its own. The shipped file is checked against the seed separately.
OWN = ROOT / "tests" / "fixtures" / "curriculum.yaml"


@pytest.fixture(scope="module")
def cur():
    return load_curriculum(OWN)


def ex(ref: str, score: float = 1.0, passed: bool = True, at: datetime = T0) -> EvidenceRecord:
    return EvidenceRecord("exercise", ref, at, score, passed)


def test_shipped_curriculum_has_five_days_the_four_runbooks_and_six_criteria():
    # The seed's programme (five days, its four runbooks, six sign-off criteria) is the contract
    # the shipped file must keep; every other test here runs on the copy in tests/fixtures.
    cur = load_curriculum()
    assert [d.day for d in cur.days] == [1, 2, 3, 4, 5]
    assert cur.runbook_ids() == [
        "service_restart",
        "database_recovery",
        "api_key_revocation",
        "rate_limit_tuning",
    ]
    assert len(cur.signoff) == 6


def test_firedrill_validate_recognises_the_curriculum_and_its_runbooks():
    assert formats.validate_file(ROOT / "data" / "curriculum.yaml") == "curriculum"


def test_a_page_belongs_to_the_first_day_whose_module_runs_on_it(cur):
    day_of = {m.page: d.day for d in reversed(cur.days) for m in d.modules if m.page}
    assert all(cur.day_of_page(page) == day for page, day in day_of.items())
    assert cur.day_of_page("pages/library.py") is None  # not a page of the programme


def test_moving_a_module_to_another_day_is_an_edit_of_the_curriculum_file_only(cur):
    shadow_day = cur.day_of_page("pages/shadow_shift.py")
    first_page = next(m.page for m in cur.days[0].modules if m.page)
    text = OWN.read_text().replace(f"page: {first_page}", "page: pages/shadow_shift.py")
    moved = validate_curriculum_text(text, "curriculum.yaml", None)
    assert shadow_day != cur.days[0].day
    assert moved.day_of_page("pages/shadow_shift.py") == cur.days[0].day


def test_a_criterion_naming_an_unknown_exercise_is_reported_with_its_line():
    text = OWN.read_text().replace("exercise: day4.escalation_quiz", "exercise: day4.nope")
    with pytest.raises(FormatError) as err:
        validate_curriculum_text(text, "curriculum.yaml", None)
    assert "day4.nope" in str(err.value)


def test_an_unknown_key_names_the_allowed_keys():
    text = OWN.read_text().replace("session_minutes: 150", "session_minutes: 150\nsesion: 1")
    with pytest.raises(FormatError) as err:
        validate_curriculum_text(text, "curriculum.yaml", None)
    problem = err.value.problems[0]
    assert problem.line is not None and "sesion" in problem.message and "session_minutes" in problem.message


def test_a_missing_runbook_file_is_reported_when_validating_next_to_the_runbooks(tmp_path):
    (tmp_path / "runbooks").mkdir()
    text = OWN.read_text()
    with pytest.raises(FormatError) as err:
        validate_curriculum_text(text, "curriculum.yaml", tmp_path)
    assert "service_restart" in str(err.value)


def test_a_new_trainee_starts_on_day_one_at_the_first_exercise(cur):
    p = compute_progress(cur, [])
    assert p.current_day == 1 and p.resume is not None and p.resume.exercise.id == "day1.service_map"
    assert p.done == 0


def test_resume_points_at_the_first_exercise_not_yet_passed(cur):
    p = compute_progress(cur, [ex("day1.service_map"), ex("day1.error_budget", 0.5, False)])
    assert p.resume is not None and p.resume.exercise.id == "day1.error_budget"
    assert p.exercise("day1.error_budget").status == "attempted"


def test_a_passed_record_below_a_raised_pass_mark_does_not_count(cur):
    # The alert quiz needs 90%: an engine that said "passed" at 85% is overruled by the programme.
    p = compute_progress(cur, [ex("day2.alert_quiz", 0.85, True)])
    assert not p.exercise("day2.alert_quiz").passed


def test_day_two_becomes_today_once_day_one_is_complete(cur):
    day1 = [ex(e.id) for d in cur.days[:1] for m in d.modules for e in m.exercises]
    assert compute_progress(cur, day1).current_day == 2


def test_runbook_and_drill_exercises_read_runbook_and_drill_evidence(cur):
    evidence = [
        EvidenceRecord("runbook", "service_restart", T0, 1.0, True),
        EvidenceRecord("drill", "db-pool-exhaustion", T0, 0.8, True),
    ]
    p = compute_progress(cur, evidence)
    assert p.exercise("day3.service_restart").passed and p.exercise("day4.mock_drill").passed
    assert not p.exercise("day3.database_recovery").passed


def _refresher_evidence(cur, at: datetime, scenarios=("a", "b")) -> list[EvidenceRecord]:
    out = [EvidenceRecord("runbook", rb, at, 1.0, True) for rb in cur.runbook_ids()]
    out += [EvidenceRecord("drill", s, at + timedelta(hours=1), 0.9, True) for s in scenarios]
    return out


def test_quarterly_refresher_is_due_91_days_after_sign_off_and_then_overdue(cur):
    due = next_refresher(cur, [], T0, T0 + timedelta(days=90))
    assert due.due == T0 + timedelta(days=91) and not due.overdue
    assert next_refresher(cur, [], T0, T0 + timedelta(days=92)).overdue


def test_refresher_needs_all_runbooks_and_two_different_drills(cur):
    later = T0 + timedelta(days=80)
    one_drill = _refresher_evidence(cur, later, scenarios=("a", "a"))
    assert next_refresher(cur, one_drill, T0, later + timedelta(days=20)).overdue
    full = _refresher_evidence(cur, later)
    due = next_refresher(cur, full, T0, later + timedelta(days=20))
    assert not due.overdue and due.last_done is not None and due.due == due.last_done + timedelta(days=91)


def test_monthly_review_due_date_follows_the_last_review(cur):
    review = T0 + timedelta(days=25)
    due = next_monthly_review(cur, [review], T0, T0 + timedelta(days=40))
    assert due.due == review + timedelta(days=30) and not due.overdue
    assert next_monthly_review(cur, [], T0, T0 + timedelta(days=31)).overdue


def test_a_refresher_recorded_by_a_trainer_resets_the_due_date(cur):
    held = T0 + timedelta(days=85)
    due = next_refresher(cur, [], T0, T0 + timedelta(days=100), recorded=[held])
    assert due.last_done == held and not due.overdue
