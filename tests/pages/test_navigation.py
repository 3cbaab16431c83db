"""The page table matches the pages folder, and a signed-out visitor of a deep link is asked to
sign in on that very address (so a reload of a drill comes back to it after signing in)."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from simulator import content
from simulator.curriculum import default_curriculum
from tests.conftest import ROOT
from tests.helpers import app_test, make_users
from ui.navigation import PAGES


def test_every_page_file_is_in_the_menu_table_and_every_entry_exists():
    files = {p.relative_to(ROOT).as_posix() for p in (ROOT / "pages").glob("*.py")}
    assert files == {p.path for p in PAGES}


def test_a_numbered_menu_entry_says_the_day_the_curriculum_teaches_its_page():
    cur = default_curriculum()
    numbered = [p for p in PAGES if p.numbered]
    assert numbered and all(cur.day_of_page(p.path) is not None for p in numbered)
    for p in numbered:
        assert p.title == f"Day {cur.day_of_page(p.path)} · {p.name}"
    assert all(p.title == p.name for p in PAGES if not p.numbered)


def test_a_menu_day_number_follows_the_curriculum_file(tmp_path):
    cur = default_curriculum()
    first_day = cur.days[0].day
    entry = next(p for p in PAGES if p.numbered and cur.day_of_page(p.path) != first_day)
    text = (content.SHIPPED_CONTENT_DIR / "curriculum.yaml").read_text()
    first_page = next(m.page for m in cur.days[0].modules if m.page)
    # The entry's page takes the place of the first day's page: the menu must now say that day.
    (tmp_path / "curriculum.yaml").write_text(
        text.replace(f"page: {entry.path}", "page: pages/library.py").replace(
            f"page: {first_page}", f"page: {entry.path}"
        )
    )
    try:
        content.use(tmp_path)
        assert entry.title == f"Day {first_day} · {entry.name}"
    finally:
        content.use(None)


def test_a_signed_out_deep_link_shows_the_sign_in_form_and_runs_no_page(tmp_store):
    make_users(tmp_store)
    at = app_test("pages/drill.py", role=None, query_params={"attempt": "7"})
    at.run()
    assert not at.exception
    assert [t.value for t in at.subheader] == ["Sign in"]
    assert "Drill" not in [t.value for t in at.title]
    assert at.query_params["attempt"] == "7"
    at.text_input(key=at.text_input[0].key).set_value("trainee1")
    at.text_input[1].set_value("firedrill-test-pw")
    at.button[0].click().run()
    assert not at.exception
    # Signed in on the same address: the drill page itself now answers for attempt 7.
    assert "There is no drill attempt 7." in [e.value for e in at.error]


def test_the_app_without_a_page_asks_a_new_visitor_to_sign_in():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)
    at.run()
    assert not at.exception
