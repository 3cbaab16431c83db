"""The drill page makes verification reachable: refreshing an open dashboard board records a look
at the metrics, which is what scoring credits as verifying a recovery (issue 14.3)."""

from __future__ import annotations

from simulator.store import attempts
from tests import helpers
from tests.helpers import app_test
from tests.test_page_drill import _start_for


def test_refreshing_the_open_board_records_a_dashboards_look():
    aid = _start_for("trainee1")
    at = app_test("pages/drill.py", role="trainee", query_params={"attempt": str(aid)}, timeout=60)
    at.run()
    assert any("looked at the dashboards after the metrics came back" in c.value for c in at.caption)
    refresh = next(b for b in at.button if b.label == "Refresh consoles")
    refresh.click().run()  # the board is still closed: nothing to look at, nothing recorded
    assert not [e for e in attempts.events_for(helpers.test_store(), aid) if e.kind == "look"]
    next(b for b in at.button if b.label == "Open the Production Health board").click().run()
    next(b for b in at.button if b.label == "Refresh consoles").click().run()
    looks = [e.payload for e in attempts.events_for(helpers.test_store(), aid) if e.kind == "look"]
    assert {"console": "dashboards", "detail": "board refreshed"} in looks
