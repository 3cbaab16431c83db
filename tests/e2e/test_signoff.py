"""Browser journey: a trainer signs a trainee off and downloads the PDF report."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from pypdf import PdfReader

from simulator.store import curriculum as store_cur
from simulator.store import open_store
from tests.e2e.conftest import (
    open_page,
    prepare_database,
    save_screenshot,
    sign_in,
    start_server,
    stop_server,
    wait_idle,
)
from tests.unit.test_signoff import full_evidence

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def server_with_evidence(tmp_path_factory, playwright_browser):
    """A server whose trainee2 has recorded evidence for every criterion."""
    url = f"sqlite:///{tmp_path_factory.mktemp('signoff') / 'firedrill.db'}"
    prepare_database(url)
    store = open_store(url)
    for record in full_evidence():
        store_cur.record_evidence(store, "trainee2", record)
    store.dispose()
    proc, base = start_server(url)
    yield base
    stop_server(proc)


def test_trainer_signs_a_trainee_off_and_downloads_the_report(server_with_evidence, browser_page):
    page = browser_page
    sign_in(page, server_with_evidence, "trainer")
    open_page(page, "Sign-off")
    page.get_by_role("combobox", name="Trainee").click()
    page.get_by_role("option", name="trainee2").click()
    wait_idle(page)
    assert page.get_by_text("awaiting trainer sign-off").first.is_visible()
    page.get_by_text("Confirm: ready for primary on-call").click()
    page.get_by_label("Comment (required to reject)").fill("Strong week; clear comms.")
    page.get_by_role("button", name="Record decision").click()
    wait_idle(page)
    assert page.get_by_text("ready for primary on-call").first.is_visible()
    with page.expect_download() as download:
        page.get_by_role("button", name="Download PDF").click()
    data = Path(download.value.path()).read_bytes()
    text = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(data)).pages)
    assert "Trainee Theo Trainee (trainee2)" in text and "Passed mock incident drill" in text
    assert "Decision CONFIRMED" in text and "Decided by Tom Trainer" in text  # full names, not usernames
    assert "Decision and signatures" in text and "Engineering manager" in text
    assert "day4.communication" not in text  # evidence in words, no internal ids
    # What the filed document looks like, for a reviewer: the same report as HTML at 1440x900.
    with page.expect_download() as html_download:
        page.get_by_role("button", name="Download HTML").click()
    report_page = page.context.new_page()
    report_page.set_viewport_size({"width": 1440, "height": 900})
    report_page.set_content(Path(html_download.value.path()).read_text(encoding="utf-8"))
    assert report_page.get_by_text("Tom Trainer").first.is_visible()
    save_screenshot(report_page, "signoff-report")
    report_page.close()
