"""Only the trainee writes their post-incident report; a trainer's comment is a separate, audited
note shown beside it (issue 16.6: a trainer could overwrite a trainee's report unaudited)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from simulator.accounts import AccountError
from simulator.drill import Drill, load_default_policy
from simulator.scenario import load_scenario
from simulator.services import drills as drill_service
from simulator.store import attempts, audit, report_notes
from tests.helpers import ROOT, app_test, make_users

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
REPORT = "# Post-incident report\n\nThe pool filled up; we killed the export."


@pytest.fixture
def finished(tmp_store) -> int:
    users = make_users(tmp_store)
    drill = Drill.create(
        load_scenario(ROOT / "scenarios" / "db-pool-exhaustion.yaml"), 7, load_default_policy()
    )
    aid = drill_service.start_attempt(
        tmp_store, user_id=users["trainee1"].id, username="trainee1", drill=drill, speed=60, now=T0
    )
    drill_service.finish_and_score(tmp_store, aid, drill, T0)
    report_notes.save_own_report(tmp_store, aid, users["trainee1"].id, REPORT)
    return aid


def test_nobody_but_the_trainee_who_ran_the_drill_saves_its_report(tmp_store, finished):
    trainer = make_users(tmp_store)["trainer"]
    with pytest.raises(AccountError, match="only the trainee who ran this drill writes its report"):
        report_notes.save_own_report(tmp_store, finished, trainer.id, "rewritten by the trainer")
    assert attempts.get_attempt(tmp_store, finished).report_markdown == REPORT


def test_a_trainee_cannot_add_notes_and_a_note_has_a_size_limit(tmp_store, finished):
    with pytest.raises(AccountError, match="only trainers and administrators"):
        report_notes.add_note(tmp_store, finished, "trainee2", "trainee", "looks fine", T0)
    with pytest.raises(AccountError, match="1–4000 characters"):
        report_notes.add_note(tmp_store, finished, "trainer", "trainer", "x" * 5000, T0)


def test_a_trainer_sees_the_report_read_only_and_adds_an_audited_note_beside_it(tmp_store, finished):
    at = app_test("pages/debrief.py", role="trainer", query_params={"attempt": str(finished)}, timeout=60)
    at.run()
    assert not at.exception
    assert not [a for a in at.text_area if a.label == "Edit your report (Markdown)"]
    assert REPORT in [t.value for t in at.text]
    note = "Timeline misses the first page. <b>Fix</b> [it](https://evil.example)"
    next(a for a in at.text_area if a.label == "Add a note").set_value(note)
    next(b for b in at.button if b.label == "Add note").click().run()
    assert not at.exception
    assert note in [t.value for t in at.text]  # verbatim, as text, never as Markdown
    assert attempts.get_attempt(tmp_store, finished).report_markdown == REPORT
    [entry] = audit.audit_log(tmp_store, action="annotate_report")
    assert entry.actor == "trainer" and entry.target == f"attempt {finished}"
    assert [n.text for n in report_notes.notes_for(tmp_store, finished)] == [note]


def test_the_trainee_still_edits_their_own_report(tmp_store, finished):
    at = app_test("pages/debrief.py", role="trainee", query_params={"attempt": str(finished)}, timeout=60)
    at.run()
    assert not at.exception
    box = next(a for a in at.text_area if a.label == "Edit your report (Markdown)")
    box.set_value(REPORT + "\n\nMore detail.")
    next(b for b in at.button if b.label == "Check against the log and save").click().run()
    assert not at.exception
    assert attempts.get_attempt(tmp_store, finished).report_markdown.endswith("More detail.")
