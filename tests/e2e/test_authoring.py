"""Browser journey: a trainer creates a scenario from a template in the Scenario studio's code
editor (line numbers, YAML colours), sees a validation error marked at its line, jumps there,
fixes it, previews the alerts, saves it, and a trainee can then start a drill on it; and imports a
scenario file (st.file_uploader is out of AppTest's reach, so that tab is tested here)."""

from __future__ import annotations

import re

import pytest

from tests.conftest import ROOT
from tests.e2e.conftest import open_page, open_tab, save_screenshot, sign_in, wait_idle

pytestmark = pytest.mark.e2e

TITLE = "Checkout errors drafted in the browser"
BRIEFING_TITLE = "Checkout customers report failed payments in a browser draft"  # what trainees see
POOL_TITLE = "Database connection pool exhaustion"  # tests/fixtures/scenarios/pool-exhaustion.yaml's
IMPORTED_TITLE = "Pool exhaustion imported from a file"
EDITOR_IFRAME = 'iframe[title="code_editor.code_editor"]'
SCREENSHOTS = ROOT / "test-results" / "screenshots"  # git-ignored; kept for reviewers


def _ace(page):
    """The code editor's frame (the component is an iframe holding an Ace editor)."""
    page.locator(EDITOR_IFRAME).wait_for()
    frame = page.locator(EDITOR_IFRAME).element_handle().content_frame()
    frame.wait_for_selector(".ace_content")
    return frame


def _editor_text(page) -> str:
    return _ace(page).evaluate("document.querySelector('.ace_editor').env.editor.getValue()")


def _wait_editor_holds(page, needle: str) -> None:
    """The component receives new text from the server asynchronously, after the rerun ends."""
    _ace(page).wait_for_function(
        "needle => document.querySelector('.ace_editor').env.editor.getValue().includes(needle)",
        arg=needle,
    )


def _cursor_line(page) -> int:
    return _ace(page).evaluate("document.querySelector('.ace_editor').env.editor.getCursorPosition().row") + 1


def _edit(page, text: str) -> None:
    """Replace the whole text through Ace (as a paste does), then press Ctrl+Enter, the editor's
    "check". The click lands in the visible corner of the text area: clicking the middle of
    `.ace_content` (wider than the editor) makes Playwright scroll Ace's layers natively, which a
    person never does, and leaves the text drawn out of step with the line numbers."""
    frame = _ace(page)
    frame.evaluate("text => document.querySelector('.ace_editor').env.editor.setValue(text, -1)", text)
    frame.locator(".ace_scroller").click(position={"x": 8, "y": 8})
    assert _editor_text(page) == text
    page.keyboard.press("Control+Enter")
    wait_idle(page)


def test_trainer_authors_a_scenario_and_a_trainee_drills_on_it(app_server, browser_page, browser_context):
    page = browser_page
    # The reviewers' screen size from the start: Ace does not re-measure when its frame is resized.
    page.set_viewport_size({"width": 1440, "height": 900})
    sign_in(page, app_server, "trainer")
    open_page(page, "Scenario studio")

    page.get_by_role("combobox", name="Template").click()
    page.get_by_role("option", name="bad deploy revert").click()
    page.get_by_role("button", name="Use this template").click()
    wait_idle(page)
    _wait_editor_holds(page, "id: my-bad-deploy")
    text = _editor_text(page)
    frame = _ace(page)
    # Line numbers in the gutter and YAML colouring (Ace's yaml mode marks keys as meta.tag).
    assert frame.locator(".ace_gutter-cell").first.inner_text().strip() == "1"
    assert frame.locator(".ace_meta.ace_tag").count() > 0

    text = text.replace("id: my-bad-deploy", "id: e2e-checkout-errors").replace(
        "title: Errors after a deploy", f"title: {TITLE}\nbriefing_title: '{BRIEFING_TITLE}'"
    )
    # A mistake (difficulty runs from 1 to 5): the problem appears with its line and column.
    _edit(page, text.replace("difficulty: 2", "difficulty: 7"))
    page.get_by_text("1 problem(s) to fix").wait_for()
    line = text.splitlines().index("difficulty: 2") + 1
    page.get_by_text(
        re.compile(rf"line {line}, column 13 · difficulty: .*less than or equal to 5")
    ).wait_for()
    assert page.get_by_role("button", name="Save version").is_disabled()

    # The problem is marked in the margin; "Go to line" puts the cursor on it.
    frame = _ace(page)
    frame.get_by_text(f"Go to line {line}").click()
    # The marks stay put: Ace's own YAML linter once replaced them whenever it finished.
    frame.locator(".ace_gutter-cell.ace_error").first.wait_for()
    assert _cursor_line(page) == line
    assert frame.locator(".ace_gutter-cell.ace_error").first.inner_text().strip() == str(line)
    page.keyboard.press("Escape")  # closes Ace's line prompt
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_timeout(1000)  # Ace animates the scroll to the line; let it settle for the picture
    page.screenshot(path=str(SCREENSHOTS / "studio-problem-marked.png"))

    # Fixed by typing where the cursor now is, then Ctrl+Enter.
    page.keyboard.press("End")
    page.keyboard.press("Backspace")
    page.keyboard.type("2")
    assert _editor_text(page) == text
    page.keyboard.press("Control+Enter")
    wait_idle(page)
    page.get_by_text(re.compile(f"Valid: {TITLE}")).wait_for()
    assert page.get_by_text("problem(s) to fix").count() == 0
    # The fix is still in the editor after the check redrew it: the component once put its
    # older text back when the check answered within 250 ms of the last keystroke, and leaving
    # the editor (here, for the preview tab) then sent that older text.
    assert _editor_text(page) == text

    page.get_by_role("tab", name="Alerts", exact=True).click()
    page.get_by_text(re.compile(r"APIErrorRateHigh fires at \d\d:\d\d:\d\d UTC")).wait_for()
    wait_idle(page)
    page.get_by_text(re.compile(f"Valid: {TITLE}")).wait_for()
    assert page.get_by_text("No alert fires on this trace").count() == 0

    page.get_by_role("button", name="Save version").click()
    wait_idle(page)
    page.get_by_text("Saved e2e-checkout-errors version 1").wait_for()
    assert page.get_by_role("button", name="Play as trainee").is_enabled()

    trainee = browser_context.browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        tpage = trainee.new_page()
        tpage.set_default_timeout(30_000)
        sign_in(tpage, app_server, "trainee1")
        open_page(tpage, "Drill")
        tpage.get_by_role("combobox", name="Scenario").click()
        tpage.get_by_role("option", name=re.compile(re.escape(BRIEFING_TITLE))).click()
        tpage.get_by_role("button", name="Start drill").click()
        wait_idle(tpage)
        assert re.search(r"attempt=\d+", tpage.url)
        tpage.get_by_role("heading", name=BRIEFING_TITLE).wait_for()
    finally:
        trainee.close()


def _upload(page, path) -> None:
    """Choose a file in the import tab's uploader, as the file dialog would."""
    page.locator('[data-testid="stFileUploader"] input[type=file]').set_input_files(str(path))


def test_trainer_imports_a_scenario_file_into_the_editor(app_server, browser_page, tmp_path):
    """The "Import a file" tab: the uploaded file's own text lands in the editor (the page once put
    the editor's text back instead), a broken file's problem is shown at its line and field, and a
    file that is not scenario text is refused with its name and what is allowed."""
    source = (ROOT / "tests" / "fixtures" / "scenarios" / "pool-exhaustion.yaml").read_text(encoding="utf-8")
    good = tmp_path / "imported-pool.yaml"
    good.write_text(source.replace(f"title: {POOL_TITLE}", f"title: {IMPORTED_TITLE}"), encoding="utf-8")
    broken_text = source.replace("difficulty: 3", "difficulty: 9")
    broken = tmp_path / "broken-pool.yaml"
    broken.write_text(broken_text, encoding="utf-8")
    binary = tmp_path / "photo.yaml"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe")
    notes = tmp_path / "notes.txt"
    notes.write_text("Remember to rotate the on-call.\n", encoding="utf-8")
    huge = tmp_path / "huge.yaml"
    huge.write_text("# padding\n" * 120_000, encoding="utf-8")  # 1.2 MB: over the 1 MiB upload limit
    put = "Put it in the editor"

    page = browser_page
    page.set_viewport_size({"width": 1440, "height": 900})
    sign_in(page, app_server, "trainer")
    open_page(page, "Scenario studio")
    open_tab(page, "Import a file")
    page.get_by_text(re.compile(r"A scenario file is YAML text \(\.yaml or \.yml, UTF-8\)")).wait_for()

    # A broken file goes into the editor as it is; its problem is listed at its line and field.
    _upload(page, broken)
    page.get_by_role("button", name=put).click()
    page.get_by_text("Editing: imported file broken-pool.yaml.").wait_for()
    wait_idle(page)
    _wait_editor_holds(page, "difficulty: 9")
    line = broken_text.splitlines().index("difficulty: 9") + 1
    page.get_by_text("1 problem(s) to fix").wait_for()
    page.get_by_text(
        re.compile(rf"line {line}, column 13 · difficulty: .*less than or equal to 5")
    ).wait_for()

    # Removing it takes the button away, so the next press cannot be the old file's.
    page.get_by_role("button", name="Remove broken-pool.yaml").click()
    page.get_by_role("button", name=put).wait_for(state="detached")
    wait_idle(page)
    _upload(page, good)
    page.get_by_role("button", name=put).click()
    page.get_by_text("Editing: imported file imported-pool.yaml.").wait_for()
    wait_idle(page)
    _wait_editor_holds(page, f"title: {IMPORTED_TITLE}")
    page.get_by_text(re.compile(f"Valid: {IMPORTED_TITLE} \\(pool-exhaustion\\)")).wait_for()
    assert page.get_by_text("problem(s) to fix").count() == 0

    # Not UTF-8 text under a .yaml name: refused by the app with the file's name and the rule.
    page.get_by_role("button", name="Remove imported-pool.yaml").click()
    page.get_by_role("button", name=put).wait_for(state="detached")
    wait_idle(page)
    _upload(page, binary)
    page.get_by_text(
        re.compile(r"photo\.yaml is not UTF-8 text; a scenario file must be YAML text")
    ).wait_for()
    wait_idle(page)
    assert page.get_by_role("button", name=put).count() == 0

    # The wrong type and a file over the upload limit are refused in the browser: the file's chip
    # turns red and hovering it gives the reason (Streamlit's own tooltip); the page's caption
    # says what is allowed.
    page.get_by_role("button", name="Remove photo.yaml").click()
    page.get_by_text("photo.yaml is not UTF-8 text").wait_for(state="detached")
    wait_idle(page)
    for chosen, reason in [
        (notes, r"^\S+ files are not allowed\.$"),
        (huge, r"^File must be [\d.]+ ?MB or smaller\.$"),
    ]:
        _upload(page, chosen)
        chip = page.locator('[data-testid="stFileChip"][aria-invalid="true"]', has_text=chosen.name)
        # The chip can appear under the pointer (where the removed file's button was): no hover
        # starts until the pointer comes in from outside, as a person's would.
        page.mouse.move(0, 0)
        chip.hover()
        page.get_by_text(re.compile(reason)).wait_for()
    assert page.get_by_role("button", name=put).count() == 0
    # The editor still holds the last file put in it.
    assert f"title: {IMPORTED_TITLE}" in _editor_text(page)
    page.get_by_text("Editing: imported file imported-pool.yaml.").wait_for()
    save_screenshot(page, "studio-import-refused")
