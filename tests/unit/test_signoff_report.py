"""The sign-off report: a real PDF (read back with pypdf), escaped HTML and the cohort CSV."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

from pypdf import PdfReader

from simulator.curriculum import ExerciseRequirement, compute_progress, evaluate_signoff, load_curriculum
from simulator.services import training
from simulator.signoff import decide
from simulator.signoff_report import TraineeReport, cohort_csv, render_html, render_pdf
from tests.unit.test_signoff import full_evidence

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


# --- the document a manager files (issue 15.8) -----------------------------------------------------


def _filed_report_store(tmp_store):
    """Ada (a trainee in the March cohort) with evidence for every criterion, confirmed by Grace."""
    from datetime import date

    from simulator.store import accounts, cohorts, scenarios
    from simulator.store import curriculum as store_cur
    from tests.unit.test_scoring_world import SCENARIOS

    accounts.create_user(tmp_store, "ada", "correct horse battery", "trainee", AT, "Ada Lovelace")
    accounts.create_user(tmp_store, "grace", "correct horse battery", "trainer", AT, "Grace Hopper")
    cohort = cohorts.create_cohort(tmp_store, "March 2026 cohort", date(2026, 3, 9), "grace", AT)
    cohorts.add_member(tmp_store, cohort.id, "ada", "grace", AT)
    scenarios.sync_builtin(tmp_store, SCENARIOS, AT)
    for record in full_evidence():
        store_cur.record_evidence(tmp_store, "ada", record)
    a = training.trainee_report(tmp_store, CUR, "ada", AT).assessment
    store_cur.record_decision(
        tmp_store, decide(a, username="ada", trainer="grace", confirm=True, comment="Clear comms", at=AT)
    )
    return tmp_store


def test_the_filed_pdf_names_organisation_cohort_people_dates_and_evidence_in_words(tmp_store, tmp_path):
    from simulator.cli import main

    _filed_report_store(tmp_store)
    out = tmp_path / "ada.pdf"
    assert main(["signoff", "report", "--user", "ada", "-o", str(out)]) == 0
    text = _pdf_text(out.read_bytes())
    assert CUR.organisation and CUR.organisation in text
    assert f"Programme {CUR.title}" in text
    assert "Trainee Ada Lovelace (ada)" in text
    assert "Cohort March 2026 cohort (started 2026-03-09)" in text
    assert "Training period 2026-03-13 to 2026-03-13" in text
    # Evidence in words: titles of exercises, runbooks and drills, never their internal ids. The
    # titles and the requirement are whatever the shipped curriculum calls them.
    required = next(r.exercise for c in CUR.signoff for r in c.requires if isinstance(r, ExerciseRequirement))
    exercise = next(x for x in CUR.exercises() if x.id == required)
    runbook = next(x for x in CUR.exercises() if x.runbook)
    assert f"Exercise “{exercise.title}” passed with 100% on 2026-03-13 10:00 UTC" in text
    assert f"Runbook exercise “{runbook.title}” passed" in text
    assert "Used Grafana dashboards in the consoles sandbox" in text
    several = next(
        q.description
        for c in evaluate_signoff(CUR, full_evidence()).criteria
        for q in c.requirements
        if q.description.endswith("passed drills of different scenarios")
    )
    assert several in text
    drills = [e.ref for e in full_evidence() if e.kind == "drill"]
    internal = [x.id for x in CUR.exercises()] + CUR.runbook_ids() + drills
    assert [i for i in internal if i in text] == []
    # The decision and signature block, with the trainer's full name.
    assert "Decision and signatures" in text
    assert "Decision CONFIRMED — ready for primary on-call" in text
    assert "Decided by Grace Hopper" in text and "Decided on 2026-03-13 15:30 UTC" in text
    for role in ("Trainer Grace Hopper", "Trainee Ada Lovelace", "Engineering manager"):
        assert f"{role}" in text
    assert text.count("Signature: ") == 3 and text.count("Date: ") >= 3


def test_the_organisation_can_be_given_on_the_command_line_and_html_matches(tmp_store, tmp_path):
    from simulator.cli import main

    _filed_report_store(tmp_store)
    out = tmp_path / "ada.pdf"
    assert main(["signoff", "report", "--user", "ada", "--organisation", "Örsted & Co", "-o", str(out)]) == 0
    assert "Örsted & Co" in _pdf_text(out.read_bytes())
    html_out = tmp_path / "ada.html"
    assert main(["signoff", "report", "--user", "ada", "--format", "html", "-o", str(html_out)]) == 0
    page = html_out.read_text()
    assert "Grace Hopper" in page and "March 2026 cohort" in page and "day2.alert_quiz" not in page
    assert "<th>Signature</th>" in page


def test_cli_status_lists_the_evidence_in_words(tmp_store, capsys):
    from simulator.cli import main

    _filed_report_store(tmp_store)
    assert main(["signoff", "status", "--user", "ada"]) == 0
    out = capsys.readouterr().out
    assert "Ada Lovelace (ada): ready for primary on-call" in out
    assert "Exercise “Write the three messages” passed" in out and "day4.communication" not in out
