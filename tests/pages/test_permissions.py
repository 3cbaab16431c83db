"""Role checks on the server side: every trainer and admin page refuses a trainee by itself (not
only by hiding the menu entry), trainees never see answers or other trainees' work, and text a
trainee typed is shown as text wherever it appears."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from simulator.accounts import PERMISSIONS, ROLES, may
from simulator.permissions import STAFF
from simulator.services import drills as drill_service
from simulator.services import training
from simulator.store import people
from tests.helpers import ROOT, app_test, make_users, page_test
from ui.navigation import PAGES, pages_for

STAFF_PAGES = [p.path for p in PAGES if set(p.roles) <= set(STAFF)]
ADMIN_PAGES = [p.path for p in PAGES if tuple(p.roles) == ("admin",)]
EVIL = "<script>alert('pwned')</script><img src=x onerror=alert(2)>"


def _exists(path: str) -> None:
    if not (ROOT / path).exists():
        pytest.skip(f"{path} is not written yet")


def test_the_page_table_lists_trainer_and_admin_pages():
    # Guards the parametrisation below against an empty list passing vacuously.
    assert {"pages/cohorts.py", "pages/cohort_board.py", "pages/audit.py", "pages/signoff.py"} <= set(
        STAFF_PAGES
    )
    assert ADMIN_PAGES == ["pages/admin.py"]


@pytest.mark.parametrize("path", STAFF_PAGES)
def test_a_trainee_is_refused_by_every_trainer_page_itself(path, tmp_store):
    _exists(path)
    make_users(tmp_store)
    at = page_test(path, role="trainee")
    at.run()
    assert not at.exception
    assert [e.value for e in at.error] == [
        "This page is for "
        + ("administrators" if path in ADMIN_PAGES else "trainers and administrators")
        + ". You are signed in as trainee1 (trainee)."
    ]
    # Nothing but the refusal: no data, no forms, no downloads.
    assert len(at.main.children) == 1
    assert not at.dataframe and not at.button and not at.get("download_button")


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_a_trainer_is_refused_by_the_admin_pages(path, tmp_store):
    _exists(path)
    at = page_test(path, role="trainer")
    at.run()
    assert [e.value for e in at.error] == [
        "This page is for administrators. You are signed in as trainer (trainer)."
    ]
    assert len(at.main.children) == 1


def test_trainer_pages_are_not_in_a_trainees_menu():
    menu = {p.path for p in pages_for("trainee")}
    assert not menu & set(STAFF_PAGES)


def test_no_trainer_action_is_allowed_to_a_trainee():
    staff_only = [a for a, roles in PERMISSIONS.items() if "trainee" not in roles]
    assert {"sign_off", "override_score", "see_answers", "edit_scenario", "change_role"} <= set(staff_only)
    assert not any(may("trainee", a) for a in staff_only)
    assert all(may("admin", a) for a in PERMISSIONS)
    assert set(ROLES) == {"admin", "trainer", "trainee"}


# --- answers and other people's work ----------------------------------------------------------


def test_the_library_shows_the_answer_to_trainers_but_not_to_trainees(tmp_store):
    _exists("pages/library.py")

    def answer_shown(role: str) -> bool:
        at = app_test("pages/library.py", role=role)
        at.run()
        assert not at.exception
        return any("Answer" in e.label for e in at.expander)

    assert answer_shown("trainer")
    assert not answer_shown("trainee")


def _finished_attempt(
    store, seed_scenario, username: str, update_text: str = "all good", finish: bool = True
) -> int:
    from simulator.actions import Acknowledge, PostUpdate, WriteReport
    from simulator.drill import Drill, load_default_policy

    person = people.get_user_by_username(store, username)
    engine = Drill.create(seed_scenario, 7, load_default_policy())
    t0 = datetime.now(UTC) - timedelta(minutes=5)
    aid = drill_service.start_attempt(
        store, user_id=person.id, username=username, drill=engine, speed=1.0, now=t0
    )
    drill_service.record_action(
        store, aid, engine, Acknowledge(action="acknowledge"), t0 + timedelta(seconds=30)
    )
    drill_service.record_action(
        store, aid, engine, PostUpdate(action="post_update", text=update_text), t0 + timedelta(seconds=60)
    )
    drill_service.record_action(
        store,
        aid,
        engine,
        WriteReport(action="write_report", markdown=f"# Report\n{update_text}"),
        t0 + timedelta(seconds=70),
    )
    if finish:
        drill_service.finish_and_score(store, aid, engine, t0 + timedelta(seconds=90))
    return aid


@pytest.mark.parametrize("path", ["pages/drill.py", "pages/debrief.py"])
def test_a_trainee_cannot_open_another_trainees_attempt(path, tmp_store, seed_scenario):
    _exists(path)
    make_users(tmp_store)
    aid = _finished_attempt(tmp_store, seed_scenario, "trainee2")
    at = app_test(path, role="trainee", username="trainee1", query_params={"attempt": str(aid)})
    at.run()
    assert not at.exception
    assert any("belongs to someone else" in e.value for e in at.error)
    answer = seed_scenario.scenario.answer.root_cause.strip()[:40]
    assert not any(answer in str(getattr(e, "value", "")) for e in at.main if hasattr(e, "value"))


# --- a trainee's free text stays text ------------------------------------------------------------


def _all(at) -> list:
    out: list = []

    def walk(node) -> None:
        out.append(node)
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return out


def _html_rendered(at) -> list[str]:
    """Every element whose content the browser would interpret as HTML."""
    out: list[str] = []

    def walk(node) -> None:
        proto = getattr(node, "proto", None)
        if proto is not None and getattr(proto, "allow_html", False):
            out.append(str(getattr(node, "value", proto)))
        if getattr(node, "type", "") == "html":
            out.append(str(proto))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return out


@pytest.mark.parametrize(
    "path,role",
    [("pages/debrief.py", "trainee"), ("pages/debrief.py", "trainer"), ("pages/drill.py", "trainee")],
)
def test_html_in_a_trainees_update_is_never_rendered_as_html(path, role, tmp_store, seed_scenario):
    _exists(path)
    make_users(tmp_store)
    aid = _finished_attempt(
        tmp_store, seed_scenario, "trainee1", update_text=EVIL, finish=path != "pages/drill.py"
    )
    at = app_test(path, role=role, query_params={"attempt": str(aid)})
    at.run()
    assert not at.exception
    # The update is on the page (as text), so the check below is about something that is there.
    assert any(
        "alert('pwned')" in str(getattr(e, "value", "")) + str(getattr(e, "proto", "")) for e in _all(at)
    )
    assert not [h for h in _html_rendered(at) if "<script" in h or "onerror" in h]


def test_a_display_name_with_html_is_escaped_in_the_signoff_report(tmp_store):
    from simulator.signoff_report import render_html
    from ui.training import curriculum

    people.create_user(
        tmp_store, "mallory", "a-long-password-1", "trainee", datetime.now(UTC), display_name=EVIL
    )
    report = training.trainee_report(tmp_store, curriculum(), "mallory", datetime.now(UTC))
    page = render_html(report)
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;" in page


def test_a_display_name_with_html_shows_as_text_in_the_sidebar(tmp_store):
    people.create_user(
        tmp_store, "mallory", "a-long-password-1", "trainee", datetime.now(UTC), display_name=EVIL
    )
    at = app_test(None, role="trainee", username="mallory")
    at.run()
    assert not at.exception
    assert not [h for h in _html_rendered(at) if "<script" in h]
    assert any("\\<script\\>" in m.value for m in at.sidebar.markdown)
