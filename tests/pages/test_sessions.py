"""Sessions survive a reload and end at sign-out (issue 15.5): the token the browser keeps in the
address is checked server-side, stored only as a hash, expires when idle, and a different person
signing in never lands on the previous person's address."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from simulator.store import attempts, sessions
from tests.helpers import APP, PASSWORD, app_test, make_users
from tests.pages.test_page_drill import _start_for

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _reload(token: str, **params: str) -> AppTest:
    """What a browser reload is to the server: a new session, only the address carried over."""
    at = AppTest.from_file(str(APP), default_timeout=30)
    at.query_params["session"] = token
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception
    return at


def _sign_in_form(at: AppTest, username: str) -> None:
    at.text_input[0].set_value(username)
    at.text_input[1].set_value(PASSWORD)
    next(b for b in at.button if b.label == "Sign in").click().run()
    assert not at.exception


def _signed_in_as(at: AppTest) -> str | None:
    captions = [c.value for c in at.sidebar.caption]
    return captions[0].split(" · ")[0].replace("\\", "") if captions else None


def test_signing_in_puts_a_token_in_the_address_that_survives_a_reload(tmp_store):
    make_users(tmp_store)
    at = app_test(None, role=None)
    at.run()
    _sign_in_form(at, "trainee1")
    token = at.query_params["session"]
    assert len(token) >= 40
    assert _signed_in_as(_reload(token)) == "trainee1"


def test_only_a_hash_of_the_token_is_stored(tmp_store):
    users = make_users(tmp_store)
    token = sessions.start_session(tmp_store, users["trainee1"].id, T0)
    with tmp_store.session() as s:
        stored = s.scalars(select(sessions.SessionRow.token_hash)).all()
    assert stored == [sessions.token_hash(token)] and token not in stored


def test_sign_out_revokes_the_token_so_a_reload_shows_the_sign_in_form(tmp_store):
    make_users(tmp_store)
    at = app_test(None, role=None)
    at.run()
    _sign_in_form(at, "trainee1")
    token = at.query_params["session"]
    at.run()
    next(b for b in at.sidebar.button if b.label == "Sign out").click().run()
    assert "session" not in at.query_params
    again = _reload(token)
    assert _signed_in_as(again) is None
    assert [s.value for s in again.subheader] == ["Sign in"]


def test_an_idle_session_expires_even_with_the_token_in_the_address(tmp_store):
    users = make_users(tmp_store)
    token = sessions.start_session(tmp_store, users["trainee1"].id, datetime.now(UTC) - timedelta(hours=9))
    at = _reload(token)
    assert _signed_in_as(at) is None
    assert "Your session ended; please sign in again." in [i.value for i in at.info]


def test_someone_else_signing_in_after_an_expiry_starts_on_home_not_on_the_previous_attempt(tmp_store):
    users = make_users(tmp_store)
    aid = _start_for("trainee1")
    token = sessions.start_session(tmp_store, users["trainee1"].id, datetime.now(UTC) - timedelta(hours=9))
    at = _reload(token, attempt=str(aid))
    _sign_in_form(at, "trainee2")
    assert _signed_in_as(at) == "trainee2"
    assert "attempt" not in at.query_params
    assert [t.value for t in at.title][:1] != ["Drill"]
    # The same person signing in again keeps the address and goes back to their attempt.
    token = sessions.start_session(tmp_store, users["trainee1"].id, datetime.now(UTC) - timedelta(hours=9))
    same = _reload(token, attempt=str(aid))
    _sign_in_form(same, "trainee1")
    assert same.query_params["attempt"] == str(aid)


def test_end_drill_asks_first_and_only_the_confirmation_ends_it(tmp_store):
    aid = _start_for("trainee1")
    at = app_test("pages/drill.py", role="trainee", query_params={"attempt": str(aid)}, timeout=60)
    at.run()
    next(b for b in at.button if b.label == "End drill").click().run()
    assert not at.exception
    assert any("End the drill now?" in w.value for w in at.warning)
    assert attempts.get_attempt(tmp_store, aid).status == "running"
    next(b for b in at.button if b.label == "Yes, end and score it").click().run()
    assert attempts.get_attempt(tmp_store, aid).status == "finished"
