"""Browser journey: a trainer signs a trainee off and downloads the PDF report."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from pypdf import PdfReader

from simulator.store import curriculum as store_cur
from simulator.store import open_store
from tests.e2e.conftest import open_page, prepare_database, sign_in, start_server, stop_server, wait_idle
from tests.test_signoff import full_evidence

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
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
    assert (
        "trainee2" in text
        and "CONFIRMED" in text
        and "trainer" in text
        and "Passed mock incident drill" in text
    )
