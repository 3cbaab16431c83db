"""The sign-off report per trainee (HTML and PDF) and the cohort CSV.

Owns presenting an assessment, the trainer's decision and the week's progress as documents an
organisation can keep and a manager can file: the organisation, programme, cohort, the trainee's
and the trainer's full names, the training dates, every criterion with its evidence in words
(titles, never internal ids), and a decision and signature block. HTML escapes every value; the
PDF is written with fpdf2. It decides nothing: it renders what `simulator.curriculum` and
`simulator.signoff` computed.
"""

from __future__ import annotations

import csv
import html
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from fpdf import FPDF

from .curriculum import CurriculumProgress, EvidenceRecord, SignoffAssessment
from .signoff import status

# The console tools a trainee's look is recorded under, as a manager would name them.
TOOL_WORDS = {
    "grafana": "Grafana dashboards",
    "elasticsearch": "Elasticsearch log search",
    "aws": "the AWS console",
    "database": "the database console",
    "git": "the deploy history",
    "status_pages": "third-party status pages",
}
_KIND_WORDS = {"exercise": "Exercise", "runbook": "Runbook exercise", "drill": "Drill"}


@dataclass(frozen=True)
class TraineeReport:
    username: str
    display_name: str
    assessment: SignoffAssessment
    decisions: Sequence[Any]  # objects with trainer, decision, comment, at, confirmed
    progress: CurriculumProgress | None
    generated_at: datetime
    organisation: str = ""
    programme: str = ""
    cohorts: tuple[tuple[str, date], ...] = ()  # (cohort name, start date), newest first
    people: Mapping[str, str] = field(default_factory=dict)  # username → full name (trainers)
    titles: Mapping[str, str] = field(default_factory=dict)  # "kind:ref" → its title in words

    @property
    def latest(self) -> Any | None:
        return self.decisions[-1] if self.decisions else None

    @property
    def status(self) -> str:
        return status(self.assessment, self.decisions)

    def full_name(self, username: str) -> str:
        return self.people.get(username) or username

    def title_of(self, kind: str, ref: str) -> str:
        return self.titles.get(f"{kind}:{ref}") or ref.replace("_", " ").replace("-", " ")

    def describe(self, record: EvidenceRecord) -> str:
        """One piece of evidence in words: what was done, the result and when."""
        when = _fmt(record.at)
        if record.kind == "console":
            where = "during a drill" if record.context == "drill" else "in the consoles sandbox"
            return f"Used {TOOL_WORDS.get(record.ref, record.ref)} {where} on {when}"
        what = f"{_KIND_WORDS.get(record.kind, record.kind.capitalize())} “{self.title_of(record.kind, record.ref)}”"
        result = "passed" if record.passed else "not passed"
        score = f" with {record.score:.0%}" if record.score is not None else ""
        return f"{what} {result}{score} on {when}"

    @property
    def training_period(self) -> tuple[datetime | None, datetime | None]:
        """The first and the last recorded evidence: when the training took place."""
        dates = [e.at for c in self.assessment.criteria for e in c.evidence]
        return (min(dates), max(dates)) if dates else (None, None)

    @property
    def cohort_text(self) -> str:
        return "; ".join(f"{name} (started {start:%Y-%m-%d})" for name, start in self.cohorts) or "no cohort"


def _fmt(dt: datetime | None) -> str:
    return dt.strftime("%Y-%m-%d %H:%M UTC") if dt else "—"


def _day(dt: datetime | None) -> str:
    return dt.strftime("%Y-%m-%d") if dt else "—"


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{x:.0%}"


def period_text(r: TraineeReport) -> str:
    first, last = r.training_period
    return "no evidence recorded yet" if first is None else f"{_day(first)} to {_day(last)}"


def _decision_text(r: TraineeReport) -> tuple[str, str, str, str]:
    d = r.latest
    if d is None:
        return ("not yet decided", "—", "—", "")
    return (
        "CONFIRMED — ready for primary on-call" if d.confirmed else "REJECTED — more practice needed",
        r.full_name(d.trainer),
        _fmt(d.at),
        d.comment,
    )


# --- HTML -----------------------------------------------------------------------------------------

_CSS = """body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;color:#222}
table{border-collapse:collapse;width:100%;margin:.5rem 0 1.5rem}th,td{border:1px solid #ccc;padding:.3rem .5rem;
text-align:left;vertical-align:top}th{background:#f3f3f3}.met{color:#0a6b2d;font-weight:600}.unmet{color:#a3120c;
font-weight:600}.rating{font-weight:700}"""


def render_html(r: TraineeReport) -> str:
    e = html.escape
    decision, trainer, when, comment = _decision_text(r)
    out = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>Sign-off report — {e(r.display_name)}</title><style>{_CSS}</style></head><body>",
        f"<h1>On-call sign-off report: {e(r.display_name)}</h1>",
        "<table>",
        *(f"<tr><th>{e(k)}</th><td>{e(v)}</td></tr>" for k, v in _header_rows(r)),
        "</table>",
        "<h2>Trainer decision</h2><table><tr><th>Decision</th><th>Trainer</th><th>Date</th><th>Comment</th></tr>",
        f"<tr><td>{e(decision)}</td><td>{e(trainer)}</td><td>{e(when)}</td><td>{e(comment)}</td></tr></table>",
        f"<h2>Sign-off criteria ({r.assessment.met_count} of {len(r.assessment.criteria)} met)</h2>",
        "<table><tr><th>Criterion</th><th>Met</th><th>Rating</th><th>Score</th><th>Evidence</th></tr>",
    ]
    for c in r.assessment.criteria:
        ev_lines = []
        for q in c.requirements:
            mark = "✔" if q.met else "✘"
            detail = "; ".join(r.describe(x) for x in q.evidence) or "no evidence recorded"
            miss = f" ({q.missing})" if q.missing and not q.met else ""
            ev_lines.append(f"{mark} {e(q.description)}{e(miss)}: {e(detail)}")
        cls = "met" if c.met else "unmet"
        out.append(
            f"<tr><td>{e(c.title)}</td><td class='{cls}'>{'yes' if c.met else 'no'}</td>"
            f"<td class='rating'>{e(c.rating)}</td><td>{_pct(c.score)}</td><td>{'<br>'.join(ev_lines)}</td></tr>"
        )
    out.append("</table>")
    if r.progress is not None:
        out.append(
            "<h2>The week</h2><table><tr><th>Day</th><th>Exercise</th><th>Status</th><th>Best score</th>"
            "<th>Passed on</th></tr>"
        )
        for d in r.progress.days:
            for x in d.exercises:
                out.append(
                    f"<tr><td>Day {d.day.day}: {e(d.day.title)}</td><td>{e(x.exercise.title)}</td>"
                    f"<td>{e(x.status)}</td><td>{_pct(x.best_score)}</td><td>{e(_fmt(x.passed_at))}</td></tr>"
                )
        out.append("</table>")
    if len(r.decisions) > 1:
        out.append("<h2>Decision history</h2><ul>")
        for d in r.decisions:
            out.append(
                f"<li>{e(_fmt(d.at))}: {e(d.decision)} by {e(r.full_name(d.trainer))} — {e(d.comment)}</li>"
            )
        out.append("</ul>")
    out.append(
        "<p>Ratings: P ≥ 90%, S ≥ 75%, M ≥ 50%, else U (HSEEP). A criterion is met only by recorded "
        "evidence; drills count only when they passed.</p>"
    )
    out.append("<h2>Signatures</h2><table><tr><th>Role</th><th>Name</th><th>Signature</th><th>Date</th></tr>")
    for role, name in _signatories(r):
        out.append(f"<tr><td>{e(role)}</td><td>{e(name)}</td><td>&nbsp;</td><td>&nbsp;</td></tr>")
    out.append("</table></body></html>")
    return "\n".join(out)


def _header_rows(r: TraineeReport) -> list[tuple[str, str]]:
    return [
        ("Organisation", r.organisation or "—"),
        ("Programme", r.programme or "—"),
        ("Trainee", f"{r.display_name} ({r.username})"),
        ("Cohort", r.cohort_text),
        ("Training period", period_text(r)),
        ("Status", r.status),
        ("Report generated", _fmt(r.generated_at)),
    ]


def _signatories(r: TraineeReport) -> list[tuple[str, str]]:
    d = r.latest
    return [
        ("Trainer", r.full_name(d.trainer) if d is not None else ""),
        ("Trainee", r.display_name),
        ("Engineering manager", ""),
    ]


# --- PDF ------------------------------------------------------------------------------------------

_ASCII = str.maketrans(
    {
        "—": "-",
        "–": "-",
        "≥": ">=",
        "≤": "<=",
        "→": "->",
        "…": "...",
        "✔": "[x]",
        "✘": "[ ]",
        "·": "|",
        "’": "'",
        "‘": "'",
        "“": '"',
        "”": '"',
        "×": "x",
        "•": "-",
    }
)


DEJAVU = Path("/usr/share/fonts/truetype/dejavu")
_DEJAVU_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf", "I": "DejaVuSans-Oblique.ttf"}


def _latin1(text: str) -> str:
    # The core PDF fonts are Latin-1; map common typography and replace anything else visibly.
    return str(text).translate(_ASCII).encode("latin-1", "replace").decode("latin-1")


class _Pdf(FPDF):
    """A4 report. With DejaVu Sans installed every name prints as written (Ω, ł, 東); without
    it, the built-in Helvetica is used and text is reduced to Latin-1."""

    def __init__(self) -> None:
        super().__init__(format="A4")
        self.unicode = all((DEJAVU / f).is_file() for f in _DEJAVU_FILES.values())
        if self.unicode:
            for style, name in _DEJAVU_FILES.items():
                self.add_font("DejaVu", style, str(DEJAVU / name))
        self.family = "DejaVu" if self.unicode else "Helvetica"

    def text_of(self, text: str) -> str:
        return str(text) if self.unicode else _latin1(text)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(self.family, "I", 8)
        self.cell(0, 8, f"firedrill sign-off report - page {self.page_no()}", align="C")


def render_pdf(r: TraineeReport) -> bytes:
    pdf = _Pdf()
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.set_title(pdf.text_of(f"Sign-off report - {r.display_name}"))
    pdf.set_author(pdf.text_of(r.organisation or "firedrill"))
    pdf.add_page()
    w = pdf.epw

    def line(text: str, size: float = 10, style: str = "", h: float = 5.5) -> None:
        pdf.set_font(pdf.family, style, size)
        pdf.multi_cell(w, h, pdf.text_of(text), new_x="LMARGIN", new_y="NEXT")

    def pair(label: str, value: str) -> None:
        pdf.set_font(pdf.family, "B", 10)
        pdf.cell(42, 5.5, pdf.text_of(label))
        pdf.set_font(pdf.family, "", 10)
        pdf.multi_cell(w - 42, 5.5, pdf.text_of(value), new_x="LMARGIN", new_y="NEXT")

    if r.organisation:
        line(r.organisation, 11, "B", 6)
    line(f"On-call sign-off report: {r.display_name}", 16, "B", 9)
    for label, value in _header_rows(r):
        pair(label, value)
    pdf.ln(3)
    line(f"Sign-off criteria ({r.assessment.met_count} of {len(r.assessment.criteria)} met)", 13, "B", 7)
    for c in r.assessment.criteria:
        line(f"{c.title}", 11, "B", 6)
        line(
            f"Met: {'yes' if c.met else 'no'}    Rating: {c.rating}    Score: {_pct(c.score)}"
            f"    Last evidence: {_fmt(c.last_evidence_at)}"
        )
        for q in c.requirements:
            mark = "[x]" if q.met else "[ ]"
            miss = f" ({q.missing})" if q.missing and not q.met else ""
            line(f"  {mark} {q.description}{miss}", 9)
            for x in q.evidence:
                line(f"      - {r.describe(x)}", 8.5, "", 4.5)
        pdf.ln(1.5)
    if r.progress is not None:
        line(f"The week: {r.progress.done} of {r.progress.total} exercises passed", 13, "B", 7)
        for d in r.progress.days:
            line(f"Day {d.day.day}: {d.day.title} ({d.done}/{d.total})", 10, "B")
            for ex in d.exercises:
                line(
                    f"  {ex.exercise.title}: {ex.status}, best {_pct(ex.best_score)}, passed {_fmt(ex.passed_at)}",
                    9,
                )
    line(
        "Ratings: P >= 90%, S >= 75%, M >= 50%, else U (HSEEP). A criterion is met only by recorded "
        "evidence; drills count only when they passed.",
        8,
        "I",
    )
    _decision_block(pdf, r, line, pair)
    return bytes(pdf.output())


def _decision_block(pdf: _Pdf, r: TraineeReport, line: Any, pair: Any) -> None:
    """The part a manager files: the decision with its trainer and date, the decision history,
    and a signature line for the trainer, the trainee and the engineering manager."""
    if pdf.will_page_break(70):
        pdf.add_page()
    pdf.ln(4)
    line("Decision and signatures", 13, "B", 7)
    decision, trainer, when, comment = _decision_text(r)
    pair("Decision", decision)
    pair("Decided by", trainer)
    pair("Decided on", when)
    if comment:
        pair("Comment", comment)
    if len(r.decisions) > 1:
        line("Earlier decisions:", 9, "B")
        for d in r.decisions[:-1]:
            line(f"  {_fmt(d.at)}: {d.decision} by {r.full_name(d.trainer)} - {d.comment}", 9)
    pdf.ln(6)
    for role, name in _signatories(r):
        pdf.set_font(pdf.family, "", 10)
        pdf.cell(42, 8, pdf.text_of(role))
        pdf.cell(60, 8, pdf.text_of(name or ""))
        pdf.cell(45, 8, pdf.text_of("Signature: ______________"))
        pdf.cell(0, 8, pdf.text_of("Date: __________"), new_x="LMARGIN", new_y="NEXT")


# --- cohort CSV -----------------------------------------------------------------------------------


def cohort_csv(reports: Sequence[TraineeReport]) -> str:
    """One row per trainee: status, decision, and each criterion's met flag, rating and score."""
    buf = io.StringIO()
    criteria = [c.id for c in reports[0].assessment.criteria] if reports else []
    header = [
        "username",
        "display_name",
        "status",
        "criteria_met",
        "decision",
        "trainer",
        "decided_at",
        "exercises_passed",
        "exercises_total",
    ]
    for cid in criteria:
        header += [f"{cid}_met", f"{cid}_rating", f"{cid}_score"]
    wr = csv.writer(buf, lineterminator="\n")
    wr.writerow(header)
    for r in reports:
        d = r.latest
        row: list[Any] = [
            _csv_safe(r.username),
            _csv_safe(r.display_name),
            r.status,
            r.assessment.met_count,
            d.decision if d else "",
            _csv_safe(d.trainer) if d else "",
            d.at.isoformat() if d else "",
            r.progress.done if r.progress else "",
            r.progress.total if r.progress else "",
        ]
        for c in r.assessment.criteria:
            row += ["yes" if c.met else "no", c.rating, f"{c.score:.3f}"]
        wr.writerow(row)
    return buf.getvalue()


def _csv_safe(value: str) -> str:
    # A cell starting with = + - @ is a formula in spreadsheet programs: neutralise it.
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value
