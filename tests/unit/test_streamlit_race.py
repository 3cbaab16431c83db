"""The fragment-rerun race fix (ui/streamlit_race.py): a clock wake that arrives while the finished
full run's messages are still queued waits for that runner instead of making its messages (the
press's confirmation) be ignored; a full rerun and a session without a runner are untouched."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from streamlit.runtime.app_session import AppSession, AppSessionState

from ui import streamlit_race


@pytest.fixture
def patched(monkeypatch):
    """install() over a recorder standing in for Streamlit's own runner creation."""
    created: list[object] = []
    monkeypatch.setattr(AppSession, "_create_scriptrunner", lambda self, data: created.append(data))
    monkeypatch.delattr(AppSession, "_firedrill_waits_for_runner", raising=False)
    assert streamlit_race.install()
    return created, StepLoop()


class StepLoop:
    """The session's event loop, stepped by hand: each `call_later` callback waits for a turn."""

    def __init__(self) -> None:
        self.pending: list[tuple] = []

    def call_later(self, delay, callback, *args):
        assert delay > 0  # never a busy spin
        self.pending.append((callback, args))


def session(loop, runner):
    return SimpleNamespace(_event_loop=loop, _scriptrunner=runner, _state=AppSessionState.APP_IS_RUNNING)


def turn(loop: StepLoop, steps: int = 5) -> None:
    for _ in range(steps):
        due, loop.pending = loop.pending, []
        for callback, args in due:
            callback(*args)


def test_a_fragment_rerun_waits_until_the_finished_runner_has_shut_down(patched):
    created, loop = patched
    s, wake = session(loop, runner=object()), SimpleNamespace(fragment_id="clock")
    AppSession._create_scriptrunner(s, wake)
    turn(loop)
    assert created == []  # the old runner's page tail and script_finished go out first
    s._scriptrunner = None  # its SHUTDOWN event was handled
    turn(loop)
    assert created == [wake]


def test_a_press_started_meanwhile_takes_the_fragment_after_it(patched):
    created, loop = patched
    taken: list[object] = []
    s, wake = session(loop, runner=object()), SimpleNamespace(fragment_id="clock")
    AppSession._create_scriptrunner(s, wake)
    s._scriptrunner = SimpleNamespace(request_rerun=lambda data: taken.append(data) or True)
    turn(loop)
    assert taken == [wake] and created == []


def test_full_reruns_and_idle_sessions_start_at_once(patched):
    created, loop = patched
    press = SimpleNamespace(fragment_id=None)
    AppSession._create_scriptrunner(session(loop, runner=object()), press)
    wake = SimpleNamespace(fragment_id="clock")
    AppSession._create_scriptrunner(session(loop, runner=None), wake)
    assert created == [press, wake]


def test_a_runner_that_never_reports_its_shutdown_cannot_stall_the_session(patched, monkeypatch):
    created, loop = patched
    monkeypatch.setattr(streamlit_race, "_MAX_STEPS", 3)
    wake = SimpleNamespace(fragment_id="clock")
    AppSession._create_scriptrunner(session(loop, runner=object()), wake)
    turn(loop, steps=10)
    assert created == [wake]


def test_nothing_is_sent_for_a_session_that_is_shutting_down(patched):
    created, loop = patched
    s = session(loop, runner=object())
    AppSession._create_scriptrunner(s, SimpleNamespace(fragment_id="clock"))
    s._state, s._scriptrunner = AppSessionState.SHUTDOWN_REQUESTED, None
    turn(loop)
    assert created == []
