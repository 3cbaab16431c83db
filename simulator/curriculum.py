"""The five-day on-call programme: its file format, progress, sign-off criteria and cadence.

Owns `data/curriculum.yaml` (days, modules, exercises, pass marks, the six sign-off criteria and
the evidence each needs, the monthly/quarterly cadence) and the pure functions that read recorded
evidence: progress through the week, which criteria are met, and when ongoing training is due.
It does not record evidence (that is `simulator.store.curriculum`) nor grade exercises
(`simulator.exercises`, `simulator.runbooks`, the drill engine).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from . import content
from .durations import Duration
from .yamlio import FormatError, Problem, load_model_file, load_model_text

# Where it is read from at import time; `load_curriculum()` asks `simulator.content` at each call.
DEFAULT_PATH = content.path("curriculum.yaml")
ID_RE = r"^[a-z0-9][a-z0-9_.-]*$"
CONSOLE_TOOLS = ("grafana", "elasticsearch", "aws", "database", "git", "status_pages")

# Ratings from reference/scoring.md (HSEEP): P ≥ 0.90, S ≥ 0.75, M ≥ 0.50, else U.
RATING_BANDS = (("P", 0.90), ("S", 0.75), ("M", 0.50))


def rating(score: float | None) -> str:
    if score is None:
        return "U"
    for name, floor in RATING_BANDS:
        if score >= floor:
            return name
    return "U"


# --- the file format ------------------------------------------------------------------------


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ExerciseSpec(Model):
    """Something the trainee does that records evidence. Exactly one source: an exercise engine,
    a runbook, or a passed drill."""

    id: str = Field(pattern=ID_RE)
    title: str
    engine: str | None = Field(None, description="Exercise engine in simulator.exercises, e.g. service_map")
    runbook: str | None = Field(None, description="Runbook id in data/runbooks (Day 3)")
    drill: bool = Field(False, description="Satisfied by a passed scored drill (the mock incident drill)")
    pass_mark: float | None = Field(None, ge=0, le=1, description="Overrides the programme's pass mark")

    @model_validator(mode="after")
    def _one_source(self) -> ExerciseSpec:
        sources = [self.engine is not None, self.runbook is not None, self.drill]
        if sum(sources) != 1:
            raise ValueError("an exercise needs exactly one of engine, runbook or drill: true")
        return self


class ModuleSpec(Model):
    id: str = Field(pattern=ID_RE)
    title: str
    summary: str = ""
    page: str | None = Field(
        None, description="The app page that runs this module, e.g. pages/alert_handling.py"
    )
    minutes: int = Field(30, ge=1, le=300)
    exercises: list[ExerciseSpec] = Field(default_factory=list)


class DaySpec(Model):
    day: int = Field(ge=1, le=7)
    title: str
    modules: list[ModuleSpec] = Field(min_length=1)


class ExerciseRequirement(Model):
    kind: Literal["exercise"]
    exercise: str
    min_score: float | None = Field(None, ge=0, le=1, description="Defaults to the exercise's pass mark")


class RunbooksRequirement(Model):
    kind: Literal["runbooks"]
    runbooks: list[str] | None = Field(
        None, description="Runbook ids; default: every runbook exercise in the programme"
    )


class DrillCriterionRequirement(Model):
    kind: Literal["drill_criterion"]
    criterion: str = Field(
        description="A drill scorecard criterion, e.g. severity, escalation, communication"
    )
    min_score: float = Field(0.75, ge=0, le=1)
    count: int = Field(1, ge=1, description="How many drills of different scenarios must reach min_score")


class DrillPassedRequirement(Model):
    kind: Literal["drill_passed"]
    count: int = Field(1, ge=1)


class ConsolesRequirement(Model):
    kind: Literal["consoles"]
    tools: list[Literal["grafana", "elasticsearch", "aws", "database", "git", "status_pages"]] = Field(
        min_length=1
    )


Requirement = Annotated[
    ExerciseRequirement
    | RunbooksRequirement
    | DrillCriterionRequirement
    | DrillPassedRequirement
    | ConsolesRequirement,
    Field(discriminator="kind"),
]


class CriterionSpec(Model):
    id: str = Field(pattern=ID_RE)
    title: str
    requires: list[Requirement] = Field(
        min_length=1, description="All must be satisfied by recorded evidence"
    )


class MonthlyReviewSpec(Model):
    every: Duration = 30 * 86400.0


class RefresherSpec(Model):
    every: Duration = 91 * 86400.0
    runbooks: Literal["all"] | list[str] = "all"
    drills: int = Field(2, ge=1, description="Passed mock drills of different scenarios")


class OngoingSpec(Model):
    monthly_review: MonthlyReviewSpec = MonthlyReviewSpec()
    quarterly_refresher: RefresherSpec = RefresherSpec()


class Curriculum(Model):
    title: str
    summary: str = ""
    organisation: str = Field("", description="Who runs the programme; printed on every sign-off report")
    session_minutes: int = Field(150, ge=1)
    pass_mark: float = Field(0.8, ge=0, le=1)
    days: list[DaySpec] = Field(min_length=1)
    signoff: list[CriterionSpec] = Field(min_length=1)
    ongoing: OngoingSpec = OngoingSpec()

    @model_validator(mode="after")
    def _references(self) -> Curriculum:
        problems: list[str] = []
        day_numbers = [d.day for d in self.days]
        if day_numbers != sorted(set(day_numbers)):
            problems.append("days must be listed in order, each once")
        ids = [e.id for e in self.exercises()]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            problems.append(f"exercise ids repeat: {', '.join(dupes)}")
        module_ids = [m.id for d in self.days for m in d.modules]
        if len(module_ids) != len(set(module_ids)):
            problems.append("module ids must be unique")
        crit_ids = [c.id for c in self.signoff]
        if len(crit_ids) != len(set(crit_ids)):
            problems.append("sign-off criterion ids must be unique")
        known = set(ids)
        runbooks = set(self.runbook_ids())
        for c in self.signoff:
            for r in c.requires:
                if isinstance(r, ExerciseRequirement) and r.exercise not in known:
                    problems.append(f"criterion {c.id!r} needs unknown exercise {r.exercise!r}")
                if isinstance(r, RunbooksRequirement):
                    for rb in r.runbooks or []:
                        if rb not in runbooks:
                            problems.append(
                                f"criterion {c.id!r} needs runbook {rb!r}, which no exercise practises"
                            )
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def exercises(self) -> list[ExerciseSpec]:
        return [e for d in self.days for m in d.modules for e in m.exercises]

    def exercise(self, exercise_id: str) -> ExerciseSpec:
        for e in self.exercises():
            if e.id == exercise_id:
                return e
        raise KeyError(exercise_id)

    def runbook_ids(self) -> list[str]:
        return [e.runbook for e in self.exercises() if e.runbook]

    def pass_mark_of(self, exercise: ExerciseSpec) -> float:
        return exercise.pass_mark if exercise.pass_mark is not None else self.pass_mark

    def module_of(self, exercise_id: str) -> ModuleSpec | None:
        for d in self.days:
            for m in d.modules:
                if any(e.id == exercise_id for e in m.exercises):
                    return m
        return None

    def day_of_page(self, page: str) -> int | None:
        """The first day with a module that runs on `page` (None: the programme does not use it).

        Pages are named by the skill they train; which day that skill is taught is this data's."""
        for d in self.days:
            if any(m.page == page for m in d.modules):
                return d.day
        return None


def validate_curriculum_text(
    text: str, source: str = "<curriculum>", base_dir: Path | None = None
) -> Curriculum:
    """Parse and check a curriculum file; raise FormatError naming file:line:col and field.

    When `base_dir` is given and holds a `runbooks/` folder, every runbook the programme names must
    exist there (a renamed runbook file would otherwise silently drop out of sign-off)."""
    curriculum = load_model_text(Curriculum, text, source)
    if base_dir is not None and (Path(base_dir) / "runbooks").is_dir():
        present = {p.stem for p in (Path(base_dir) / "runbooks").glob("*.y*ml")}
        missing = [r for r in curriculum.runbook_ids() if r not in present]
        if missing:
            raise FormatError(
                [
                    Problem(
                        source,
                        None,
                        None,
                        "days",
                        f"runbook file(s) not found in runbooks/: {', '.join(missing)}",
                    )
                ]
            )
    return curriculum


def load_curriculum(path: Path | str | None = None) -> Curriculum:
    return load_model_file(Curriculum, Path(path) if path else content.path("curriculum.yaml"))


def default_curriculum() -> Curriculum:
    """The team's `curriculum.yaml`, loaded once per process (a frozen value, safe to share)."""
    return content.parsed("curriculum.yaml", load_curriculum)


def json_schema() -> dict[str, Any]:
    return Curriculum.model_json_schema()


# --- evidence -------------------------------------------------------------------------------

EvidenceKind = Literal["exercise", "runbook", "drill", "console"]


@dataclass(frozen=True)
class EvidenceRecord:
    """One recorded result. `ref` names what it is evidence of: an exercise id, a runbook id, a
    scenario id (drill) or a console tool (console). For drills `detail["criteria"]` maps scorecard
    criteria to 0–1 scores."""

    kind: EvidenceKind
    ref: str
    at: datetime
    score: float | None = None
    passed: bool = False
    context: str = ""
    detail: Mapping[str, Any] = field(default_factory=dict)
    id: int | None = None

    @property
    def criteria(self) -> Mapping[str, float]:
        return self.detail.get("criteria", {}) if isinstance(self.detail, Mapping) else {}

    def describe(self) -> str:
        score = f" {self.score:.0%}" if self.score is not None else ""
        verdict = "passed" if self.passed else "not passed"
        return f"{self.kind} {self.ref}{score} {verdict} on {self.at:%Y-%m-%d %H:%M} UTC"


def _by_time(evidence: Iterable[EvidenceRecord]) -> list[EvidenceRecord]:
    return sorted(evidence, key=lambda e: (e.at, e.id or 0))


# --- progress -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExerciseProgress:
    exercise: ExerciseSpec
    module_id: str
    day: int
    pass_mark: float
    attempts: int
    best_score: float | None
    passed: bool
    passed_at: datetime | None
    last_at: datetime | None

    @property
    def status(self) -> str:
        if self.passed:
            return "passed"
        return "attempted" if self.attempts else "not started"


@dataclass(frozen=True)
class DayProgress:
    day: DaySpec
    exercises: tuple[ExerciseProgress, ...]

    @property
    def done(self) -> int:
        return sum(e.passed for e in self.exercises)

    @property
    def total(self) -> int:
        return len(self.exercises)

    @property
    def complete(self) -> bool:
        return self.done == self.total


@dataclass(frozen=True)
class CurriculumProgress:
    days: tuple[DayProgress, ...]

    @property
    def done(self) -> int:
        return sum(d.done for d in self.days)

    @property
    def total(self) -> int:
        return sum(d.total for d in self.days)

    @property
    def fraction(self) -> float:
        return self.done / self.total if self.total else 1.0

    @property
    def current_day(self) -> int:
        """Today's day of the programme: the first day with an exercise not yet passed."""
        for d in self.days:
            if not d.complete:
                return d.day.day
        return self.days[-1].day.day

    @property
    def resume(self) -> ExerciseProgress | None:
        """Where to pick up: the first exercise, in programme order, not yet passed."""
        for d in self.days:
            for e in d.exercises:
                if not e.passed:
                    return e
        return None

    def exercise(self, exercise_id: str) -> ExerciseProgress:
        for d in self.days:
            for e in d.exercises:
                if e.exercise.id == exercise_id:
                    return e
        raise KeyError(exercise_id)


def evidence_for_exercise(exercise: ExerciseSpec, evidence: Iterable[EvidenceRecord]) -> list[EvidenceRecord]:
    """The records that count as attempts at this exercise."""
    if exercise.runbook:
        return [e for e in evidence if e.kind == "runbook" and e.ref == exercise.runbook]
    if exercise.drill:
        return [e for e in evidence if e.kind == "drill"]
    return [e for e in evidence if e.kind == "exercise" and e.ref == exercise.id]


def _exercise_passed(record: EvidenceRecord, pass_mark: float) -> bool:
    # A record passes only when its engine said so AND the score reaches the programme's mark:
    # a team that raises a pass mark must not be overruled by an engine's own threshold.
    return record.passed and (record.score is None or record.score >= pass_mark - 1e-9)


def compute_progress(curriculum: Curriculum, evidence: Iterable[EvidenceRecord]) -> CurriculumProgress:
    records = _by_time(evidence)
    days: list[DayProgress] = []
    for d in curriculum.days:
        items: list[ExerciseProgress] = []
        for m in d.modules:
            for ex in m.exercises:
                mark = curriculum.pass_mark_of(ex)
                mine = evidence_for_exercise(ex, records)
                scores = [r.score for r in mine if r.score is not None]
                passing = [r for r in mine if _exercise_passed(r, mark)]
                items.append(
                    ExerciseProgress(
                        exercise=ex,
                        module_id=m.id,
                        day=d.day,
                        pass_mark=mark,
                        attempts=len(mine),
                        best_score=max(scores) if scores else None,
                        passed=bool(passing),
                        passed_at=passing[0].at if passing else None,
                        last_at=mine[-1].at if mine else None,
                    )
                )
        days.append(DayProgress(d, tuple(items)))
    return CurriculumProgress(tuple(days))


# --- sign-off criteria ----------------------------------------------------------------------


@dataclass(frozen=True)
class RequirementResult:
    description: str
    met: bool
    score: float
    evidence: tuple[EvidenceRecord, ...]
    missing: str = ""


# Just below the S band (0.75): the highest score an unmet sign-off criterion can show.
UNMET_SCORE_CAP = 0.74


@dataclass(frozen=True)
class CriterionResult:
    id: str
    title: str
    met: bool
    score: float
    requirements: tuple[RequirementResult, ...]

    @property
    def rating(self) -> str:
        # An unmet criterion never rates above M, whatever its partial scores.
        r = rating(self.score)
        return r if self.met or r in ("M", "U") else "M"

    @property
    def evidence(self) -> tuple[EvidenceRecord, ...]:
        return tuple(e for r in self.requirements for e in r.evidence)

    @property
    def last_evidence_at(self) -> datetime | None:
        dates = [e.at for e in self.evidence]
        return max(dates) if dates else None


@dataclass(frozen=True)
class SignoffAssessment:
    criteria: tuple[CriterionResult, ...]

    @property
    def all_met(self) -> bool:
        return all(c.met for c in self.criteria)

    @property
    def met_count(self) -> int:
        return sum(c.met for c in self.criteria)

    def criterion(self, criterion_id: str) -> CriterionResult:
        for c in self.criteria:
            if c.id == criterion_id:
                return c
        raise KeyError(criterion_id)


def _require_exercise(
    cur: Curriculum, req: ExerciseRequirement, ev: list[EvidenceRecord]
) -> RequirementResult:
    ex = cur.exercise(req.exercise)
    mark = req.min_score if req.min_score is not None else cur.pass_mark_of(ex)
    mine = evidence_for_exercise(ex, ev)
    passing = [r for r in mine if _exercise_passed(r, mark)]
    desc = f"{ex.title} passed (≥ {mark:.0%})"
    if passing:
        best = max(passing, key=lambda r: (r.score or 0.0, r.at))
        return RequirementResult(desc, True, best.score if best.score is not None else 1.0, (best,))
    best_score = max((r.score or 0.0 for r in mine), default=0.0)
    latest = (max(mine, key=lambda r: r.score or 0.0),) if mine else ()
    return RequirementResult(
        desc,
        False,
        best_score,
        latest,
        "not attempted" if not mine else f"best {best_score:.0%}, needs {mark:.0%}",
    )


def _require_runbooks(
    cur: Curriculum, req: RunbooksRequirement, ev: list[EvidenceRecord]
) -> RequirementResult:
    wanted = req.runbooks or cur.runbook_ids()
    marks = {e.runbook: cur.pass_mark_of(e) for e in cur.exercises() if e.runbook}
    found: list[EvidenceRecord] = []
    missing: list[str] = []
    for rb in wanted:
        passing = [
            r
            for r in ev
            if r.kind == "runbook" and r.ref == rb and _exercise_passed(r, marks.get(rb, cur.pass_mark))
        ]
        if passing:
            found.append(max(passing, key=lambda r: (r.score or 0.0, r.at)))
        else:
            missing.append(rb)
    score = sum((r.score if r.score is not None else 1.0) for r in found) / len(wanted) if wanted else 0.0
    desc = f"all {len(wanted)} runbook exercises passed"
    titles = {e.runbook: e.title for e in cur.exercises() if e.runbook}
    return RequirementResult(
        desc,
        not missing and bool(wanted),
        score,
        tuple(found),
        f"not yet passed: {', '.join(titles.get(m, m) for m in missing)}" if missing else "",
    )


def _require_drill_criterion(req: DrillCriterionRequirement, ev: list[EvidenceRecord]) -> RequirementResult:
    # Only drills that passed count: a good communication score inside a failed drill (a trainee
    # who never fixed the incident) is no evidence that the trainee can run an incident's comms.
    failed = [r for r in ev if r.kind == "drill" and not r.passed and req.criterion in r.criteria]
    drills = [r for r in ev if r.kind == "drill" and r.passed and req.criterion in r.criteria]
    # Best qualifying drill per scenario: "two drills of different types" means two scenarios.
    best: dict[str, EvidenceRecord] = {}
    for r in drills:
        s = float(r.criteria[req.criterion])
        if s >= req.min_score and (r.ref not in best or s > float(best[r.ref].criteria[req.criterion])):
            best[r.ref] = r
    chosen = sorted(best.values(), key=lambda r: -float(r.criteria[req.criterion]))[: req.count]
    desc = f"{drill_criterion_title(req.criterion)} ≥ {req.min_score:.0%} in {req.count} passed drill" + (
        "s of different scenarios" if req.count > 1 else ""
    )
    if len(chosen) >= req.count:
        score = sum(float(r.criteria[req.criterion]) for r in chosen) / len(chosen)
        return RequirementResult(desc, True, score, tuple(chosen))
    all_scores = sorted((float(r.criteria[req.criterion]) for r in drills), reverse=True)[: req.count]
    score = sum(all_scores) / req.count if all_scores else 0.0
    if drills:
        missing = f"{len(chosen)} of {req.count} qualifying passed drill(s)"
    elif failed:
        missing = f"{len(failed)} drill(s) recorded, none passed"
    else:
        missing = "no drill recorded"
    return RequirementResult(desc, False, score, tuple(chosen), missing)


def drill_criterion_title(key: str) -> str:
    """A drill scorecard criterion in words ("communication" → "Communication")."""
    from .scoring import CRITERIA

    return dict(CRITERIA).get(key, key.replace("_", " ").capitalize())


def _require_drill_passed(req: DrillPassedRequirement, ev: list[EvidenceRecord]) -> RequirementResult:
    passed = [r for r in ev if r.kind == "drill" and r.passed]
    distinct: dict[str, EvidenceRecord] = {}
    for r in passed:
        if r.ref not in distinct or (r.score or 0) > (distinct[r.ref].score or 0):
            distinct[r.ref] = r
    chosen = sorted(distinct.values(), key=lambda r: -(r.score or 0))[: req.count]
    desc = f"{req.count} full scored drill(s) passed"
    drills = [r for r in ev if r.kind == "drill"]
    if len(chosen) >= req.count:
        score = sum((r.score if r.score is not None else 1.0) for r in chosen) / len(chosen)
        return RequirementResult(desc, True, score, tuple(chosen))
    best = max((r.score or 0.0 for r in drills), default=0.0)
    return RequirementResult(
        desc, False, best, tuple(chosen), "no drill passed yet" if drills else "no drill recorded"
    )


def _require_consoles(req: ConsolesRequirement, ev: list[EvidenceRecord]) -> RequirementResult:
    found: list[EvidenceRecord] = []
    missing: list[str] = []
    for tool in req.tools:
        uses = [r for r in ev if r.kind == "console" and r.ref == tool]
        if uses:
            found.append(uses[-1])
        else:
            missing.append(tool)
    desc = "used " + ", ".join(req.tools) + " in the consoles sandbox or a drill"
    score = len(found) / len(req.tools)
    return RequirementResult(
        desc, not missing, score, tuple(found), f"never used: {', '.join(missing)}" if missing else ""
    )


def evaluate_signoff(curriculum: Curriculum, evidence: Iterable[EvidenceRecord]) -> SignoffAssessment:
    """Each sign-off criterion decided from recorded evidence only: with no evidence, nothing is met."""
    ev = _by_time(evidence)
    results: list[CriterionResult] = []
    for c in curriculum.signoff:
        reqs: list[RequirementResult] = []
        for r in c.requires:
            if isinstance(r, ExerciseRequirement):
                reqs.append(_require_exercise(curriculum, r, ev))
            elif isinstance(r, RunbooksRequirement):
                reqs.append(_require_runbooks(curriculum, r, ev))
            elif isinstance(r, DrillCriterionRequirement):
                reqs.append(_require_drill_criterion(r, ev))
            elif isinstance(r, DrillPassedRequirement):
                reqs.append(_require_drill_passed(r, ev))
            else:
                reqs.append(_require_consoles(r, ev))
        met = all(q.met for q in reqs) and all(q.evidence for q in reqs)
        score = sum(q.score for q in reqs) / len(reqs)
        if not met:
            # An unmet criterion never shows a score that reads as met ("85%, met: no"): it is
            # held below the S band, matching its rating, which never rises above M.
            score = min(score, UNMET_SCORE_CAP)
        results.append(CriterionResult(c.id, c.title, met, score, tuple(reqs)))
    return SignoffAssessment(tuple(results))


# --- ongoing training cadence ---------------------------------------------------------------


@dataclass(frozen=True)
class Due:
    what: str
    last_done: datetime | None
    due: datetime
    overdue: bool

    def days_left(self, now: datetime) -> int:
        return (self.due - now).days


def refresher_completions(
    curriculum: Curriculum, evidence: Iterable[EvidenceRecord], since: datetime
) -> list[datetime]:
    """When each quarterly refresher was completed after `since` (the sign-off): all runbooks
    passed again plus the required number of passed drills of different scenarios, counted afresh
    after each completion."""
    spec = curriculum.ongoing.quarterly_refresher
    runbooks = set(curriculum.runbook_ids() if spec.runbooks == "all" else spec.runbooks)
    done: list[datetime] = []
    seen_runbooks: set[str] = set()
    seen_drills: set[str] = set()
    for r in _by_time(evidence):
        if r.at <= since:
            continue
        if r.kind == "runbook" and r.passed and r.ref in runbooks:
            seen_runbooks.add(r.ref)
        elif r.kind == "drill" and r.passed:
            seen_drills.add(r.ref)
        if runbooks <= seen_runbooks and len(seen_drills) >= spec.drills:
            done.append(r.at)
            seen_runbooks, seen_drills = set(), set()
    return done


def next_refresher(
    curriculum: Curriculum,
    evidence: Iterable[EvidenceRecord],
    signed_off_at: datetime,
    now: datetime,
    recorded: Sequence[datetime] = (),
) -> Due:
    """The next quarterly refresher: due `every` after the last completion (computed from evidence,
    or `recorded` by a trainer for a refresher held outside firedrill), or after sign-off."""
    every = timedelta(seconds=curriculum.ongoing.quarterly_refresher.every)
    done = sorted(
        [
            *refresher_completions(curriculum, evidence, signed_off_at),
            *(r for r in recorded if r > signed_off_at),
        ]
    )
    last = done[-1] if done else None
    due = (last or signed_off_at) + every
    return Due("quarterly refresher", last, due, now > due)


def next_monthly_review(
    curriculum: Curriculum, reviews: Sequence[datetime], signed_off_at: datetime, now: datetime
) -> Due:
    every = timedelta(seconds=curriculum.ongoing.monthly_review.every)
    after = sorted(r for r in reviews if r >= signed_off_at)
    last = after[-1] if after else None
    due = (last or signed_off_at) + every
    return Due("monthly incident review", last, due, now > due)
