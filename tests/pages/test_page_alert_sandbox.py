"""The alert sandbox tab of the alert-handling page (ui/alert_sandbox.py): a run judges the prediction with the real
alert engine, the best try per challenge shows in the results table, and recording it stores the
exercise result."""

from __future__ import annotations

from simulator.exercises import alert_sandbox
from tests.helpers import app_test


def test_a_sandbox_run_is_judged_and_its_result_recorded():
    at = app_test("pages/alert_handling.py", role="trainee")
    at.run()
    assert not at.exception
    first = alert_sandbox.SANDBOX_CHALLENGES[0]
    before = at.dataframe[-1].value
    assert set(before["result"]) == {"—"}  # nothing tried yet
    next(b for b in at.button if b.label == "Run the alert engine").click().run()
    assert not at.exception
    feedback = [m.value for m in (*at.success, *at.warning)]
    assert feedback, "the run says whether the prediction was right"
    after = at.dataframe[-1].value
    row = after[after["challenge"] == first.text].iloc[0]
    assert row["result"] != "—" and row["result"] in feedback
    next(b for b in at.button if b.label == "Record my sandbox results").click().run()
    assert not at.exception
    # One challenge of several tried: not passed, and said so with the score and that it was recorded.
    assert any(e.value.startswith("Not passed") and "Recorded" in e.value for e in at.error)
