"""A guarded fix for one Streamlit race that drops a page update (found by the load benchmark).

When a fragment rerun (the Drill page's browser clock `wake`) reaches a session just after a full
run ended but before that run's last messages left the server, Streamlit's
`AppSession.request_rerun` finds the finished runner refusing the request and starts a new one at
once; the old runner's queued events — the tail of the page and its `script_finished` — are then
ignored as coming from a non-current runner. The action is saved, but the trainee never sees its
"Recorded at …" confirmation and may press again (benchmarks/README.md, "The quiet-machine run").

The fix: a fragment rerun that would replace a runner whose events are still queued waits (10 ms
steps on the session's event loop) until that runner has shut down, so its messages go out
first. After 2 s it falls back to Streamlit's own behaviour, so a runner that never reports its
shutdown cannot stall the session. Installed once per process from app.py; if Streamlit's private
method is not there (another version), nothing is patched and a warning is logged.
"""

from __future__ import annotations

import logging
from typing import Any

_LOG = logging.getLogger("firedrill")
_STEP_S = 0.01
_MAX_STEPS = 200  # 2 s, then Streamlit's own behaviour


def install() -> bool:
    """Patch `AppSession._create_scriptrunner` once; True if the fix is in place."""
    try:
        from streamlit.runtime.app_session import AppSession, AppSessionState
    except ImportError:  # pragma: no cover - Streamlit moved its internals
        _LOG.warning("streamlit_race: AppSession not found; the fragment-rerun race is not patched")
        return False
    if getattr(AppSession, "_firedrill_waits_for_runner", False):
        return True
    create = getattr(AppSession, "_create_scriptrunner", None)
    if create is None:  # pragma: no cover - another Streamlit version
        _LOG.warning("streamlit_race: no AppSession._create_scriptrunner; the race is not patched")
        return False

    def _create_scriptrunner(self: Any, initial_rerun_data: Any) -> None:
        old = getattr(self, "_scriptrunner", None)
        if getattr(initial_rerun_data, "fragment_id", None) and old is not None:
            # Only a fragment rerun refused by the current runner gets here with a runner still
            # set: that runner has finished but its events are queued behind us.
            self._event_loop.call_later(_STEP_S, _retry, self, initial_rerun_data, old, 1)
            return
        create(self, initial_rerun_data)

    def _retry(self: Any, rerun_data: Any, old: Any, step: int) -> None:
        if self._state == AppSessionState.SHUTDOWN_REQUESTED:
            return
        current = self._scriptrunner
        if current is None:
            create(self, rerun_data)
        elif current is not old and current.request_rerun(rerun_data):
            return  # a new run started meanwhile (a press): the fragment runs after it
        elif step >= _MAX_STEPS:
            create(self, rerun_data)
        else:
            self._event_loop.call_later(_STEP_S, _retry, self, rerun_data, current, step + 1)

    AppSession._create_scriptrunner = _create_scriptrunner  # type: ignore[method-assign]
    AppSession._firedrill_waits_for_runner = True  # type: ignore[attr-defined]
    return True
