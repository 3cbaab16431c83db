"""The sign-off report: a real PDF (read back with pypdf), escaped HTML and the cohort CSV."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

from pypdf import PdfReader

from simulator.curriculum import compute_progress, evaluate_signoff, load_curriculum
from simulator.signoff import decide
from simulator.signoff_report import TraineeReport, cohort_csv, render_html, render_pdf
from tests.test_signoff import full_evidence

CUR = load_curriculum()
AT = datetime(2026, 3, 13, 15, 30, tzinfo=UTC)


def report(
    name: str = "Ada Lovelace", confirm: bool = True, comment: str = "Ready — excellent comms"
) -> TraineeReport:
    ev = full_evidence()
    a = evaluate_signoff(CUR, ev)
    d = decide(a, username="ada", trainer="Grace Hopper", confirm=confirm, comment=comment, at=AT)
    return TraineeReport("ada", name, a, [d], compute_progress(CUR, ev), AT)


def _pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return " ".join(" ".join(p.extract_text().split()) for p in reader.pages)


def test_pdf_opens_and_names_the_trainee_every_criterion_and_the_decision():
    data = render_pdf(report())
    assert data.startswith(b"%PDF")
    text = _pdf_text(data)
    assert "Ada Lovelace" in text
    for c in CUR.signoff:
        assert c.title in text
    assert "CONFIRMED" in text and "Grace Hopper" in text and "2026-03-13 15:30 UTC" in text


def test_pdf_shows_a_rejection_and_survives_non_latin_text():
    text = _pdf_text(render_pdf(report(name="Zoë Ωmega", confirm=False, comment="Practise escalation → IC")))
    assert "REJECTED" in text and "Zoë" in text and "Practise escalation" in text


def test_pdf_without_a_unicode_font_falls_back_to_latin1(monkeypatch, tmp_path):
    from simulator import signoff_report

    monkeypatch.setattr(signoff_report, "DEJAVU", tmp_path)  # no fonts here
    text = _pdf_text(render_pdf(report(name="Zoë Ωmega", comment="Practise escalation → IC")))
    assert "Zoë ?mega" in text and "Practise escalation -> IC" in text


def test_html_escapes_names_and_comments():
    page = render_html(report(name="<script>alert(1)</script>", comment="<b>bold</b>"))
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    assert "&lt;b&gt;bold&lt;/b&gt;" in page


def test_cohort_csv_has_a_row_per_trainee_with_each_criterion():
    rows = list(csv.DictReader(io.StringIO(cohort_csv([report(), report(name="=HYPERLINK(1)")]))))
    assert len(rows) == 2
    assert rows[0]["status"] == "ready for primary on-call" and rows[0]["runbooks_met"] == "yes"
    assert rows[1]["display_name"].startswith("'=")  # a formula is neutralised for spreadsheets


def test_cli_writes_the_pdf_report_and_the_cohort_csv(tmp_store, tmp_path, capsys):
    from simulator.cli import main
    from simulator.store import curriculum as store_cur

    for record in full_evidence():
        store_cur.record_evidence(tmp_store, "ada", record)
    out = tmp_path / "ada.pdf"
    assert main(["signoff", "report", "--user", "ada", "--format", "pdf", "-o", str(out)]) == 0
    text = _pdf_text(out.read_bytes())
    assert "ada" in text and "awaiting trainer sign-off" in text
    assert main(["signoff", "cohort", "-o", str(tmp_path / "c.csv")]) == 0
    assert "ada,ada,awaiting trainer sign-off,6" in (tmp_path / "c.csv").read_text()


def test_cli_reports_an_unwritable_output_as_one_line_and_exit_2(tmp_store, tmp_path, capsys):
    from simulator.cli import main

    assert main(["signoff", "report", "--user", "ada", "-o", str(tmp_path / "missing" / "x.pdf")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: cannot write") and "Traceback" not in err
