"""promtool rule unit-test files (`promtool test rules`), read and run with firedrill's engine.

Owns the file format of Prometheus 2.42's `cmd/promtool/unittest.go` (rule_files,
evaluation_interval, group_eval_order, tests with interval, input_series in expanding notation,
alert_rule_test, promql_expr_test, external_labels/url) and reproduces how promtool runs it: every
group at every evaluation_interval from 0 to the largest eval_time, alerts compared at the tick at
or before each eval_time, expressions queried at the exact eval_time, failures printed the same way.
"""

from __future__ import annotations

import glob
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from . import promql
from .alerts import AlertTimeline, RuleEvaluationError, evaluate_rules
from .durations import Duration
from .promql.evaluator import RawSeries, ScalarValue, Storage, evaluate_storage, make_labels
from .rules import RuleFile, RuleGroup
from .yamlio import FormatError, Problem, load_yaml, parse_model, read_text_limited


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class InputSeries(_Model):
    series: str
    values: str = ""


class ExpAlert(_Model):
    exp_labels: dict[str, str] = Field(default_factory=dict)
    exp_annotations: dict[str, str] = Field(default_factory=dict)


class AlertTestCase(_Model):
    eval_time: Duration = 0.0
    alertname: str = ""
    exp_alerts: list[ExpAlert] = Field(default_factory=list)


class ExpSample(_Model):
    labels: str = ""
    value: float = 0.0


class PromqlTestCase(_Model):
    expr: str = ""
    eval_time: Duration = 0.0
    exp_samples: list[ExpSample] = Field(default_factory=list)


class TestGroup(_Model):
    # promtool 2.42 does not default `interval`: left out, every sample sits at t=0.
    interval: Duration = 0.0
    input_series: list[InputSeries] = Field(default_factory=list)
    alert_rule_test: list[AlertTestCase] = Field(default_factory=list)
    promql_expr_test: list[PromqlTestCase] = Field(default_factory=list)
    external_labels: dict[str, str] = Field(default_factory=dict)
    external_url: str = ""
    name: str = ""


class UnitTestFile(_Model):
    rule_files: list[str] = Field(default_factory=list)
    evaluation_interval: Duration = 60.0
    group_eval_order: list[str] = Field(default_factory=list)
    tests: list[TestGroup] = Field(default_factory=list)


@dataclass
class LoadedTestFile:
    path: Path
    spec: UnitTestFile
    groups: list[RuleGroup]
    series: list[list[RawSeries]]  # per test group


@dataclass
class TestFileResult:
    path: Path
    failures: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.failures


# --- input series ------------------------------------------------------------------------------

_NUM = r"(?:[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|[iI][nN][fF]|[nN][aA][nN]))"
_ITEM_RE = re.compile(
    rf"^(?P<a>{_NUM}|stale)(?:(?P<op>[+-])(?P<b>(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|[iI][nN][fF]|[nN][aA][nN])))?(?:x(?P<n>\d+))?$",
    re.ASCII,  # \d would also match other scripts' digits, which promtool refuses
)
_BLANK_RE = re.compile(r"^_(?:x(?P<n>\d+))?$", re.ASCII)
_PLAIN_START = frozenset("0123456789+-.")
_HAS_WORD = re.compile(r"[a-df-zA-DF-Z]")  # letters other than the exponent's e/E
_ALL_PLAIN = re.compile(r"[0-9eE+\-. \t\r\n]*", re.ASCII)
STALE = "stale"


def _num(text: str) -> float:
    return float(text)


def expand_values(text: str) -> list[float | str | None]:
    """promtool's expanding notation -> one entry per interval: a float, "stale", or None (missing).

    `a+bxn` gives n+1 samples (a, a+b, ...: added one step at a time, as Go does), `axn` n+1 copies,
    `_` one missing sample, `_xn` n missing samples."""
    tokens = text.split()
    # Fast path for the commonest file, nothing but plain decimal numbers (a day of samples is tens
    # of thousands of them): only ASCII digits, signs, dots and exponents, all of which float()
    # reads as promtool does. Anything else (x, _, stale, inf/nan, a malformed number) takes the
    # token-by-token parse below, which also names the bad token.
    if _ALL_PLAIN.fullmatch(text):
        try:
            return list(map(float, tokens))
        except ValueError:
            pass
    out: list[float | str | None] = []
    for tok in tokens:
        # the same fast path for one token
        if (
            tok[0] in _PLAIN_START
            and tok.isascii()
            and "x" not in tok
            and "_" not in tok
            and not _HAS_WORD.search(tok)
        ):
            try:
                out.append(float(tok))
                continue
            except ValueError:
                pass
        m = _BLANK_RE.match(tok)
        if m:
            out.extend([None] * (int(m.group("n")) if m.group("n") else 1))
            continue
        m = _ITEM_RE.match(tok)
        if not m:
            raise ValueError(
                f"bad series value {tok!r}; expected a number, stale, _, _xN, AxN, A+BxN or A-BxN"
            )
        a = m.group("a")
        if a == STALE:
            if m.group("op"):
                raise ValueError(f"bad series value {tok!r}: stale cannot be incremented")
            out.extend([STALE] * ((int(m.group("n")) + 1) if m.group("n") else 1))
            continue
        v = _num(a)
        out.append(v)
        if m.group("n") is None:
            if m.group("op"):
                raise ValueError(f"bad series value {tok!r}: an increment needs xN")
            continue
        step = 0.0
        if m.group("op"):
            step = _num(m.group("b")) * (-1 if m.group("op") == "-" else 1)
        for _ in range(int(m.group("n"))):
            v += step
            out.append(v)
    return out


def parse_series_labels(text: str) -> dict[str, str]:
    if text.replace(" ", "") in ("", "{}"):
        return {}
    try:
        parsed = promql.parse(text)
    except promql.PromQLError as exc:
        raise ValueError(f"bad series {text!r}: {exc}") from None
    root = parsed.root
    if not isinstance(root, promql.VectorSelector) or any(m.op != "=" for m in root.matchers):
        raise ValueError(f'bad series {text!r}: expected metric{{label="value", ...}}')
    return {m.name: m.value for m in root.matchers}


def build_series(inputs: list[InputSeries], interval: float) -> list[RawSeries]:
    step_ms = round(interval * 1000)
    out: list[RawSeries] = []
    for inp in inputs:
        labels = make_labels(parse_series_labels(inp.series))
        vals = expand_values(inp.values)
        if None in vals or STALE in vals:
            present = [(i, x) for i, x in enumerate(vals) if x is not None]
            ta = np.array([i * step_ms for i, _ in present], np.int64)
            va = np.array([np.nan if x == STALE else x for _, x in present], np.float64)
            sa = np.array([x == STALE for _, x in present], bool)
        else:  # only numbers: one sample per interval
            ta = np.arange(len(vals), dtype=np.int64) * step_ms
            va, sa = np.asarray(vals, np.float64), np.zeros(len(vals), bool)
        # with interval 0 (promtool 2.42's default) every sample lands on t=0: the last one wins
        keep = np.ones(len(ta), bool)
        keep[:-1] = ta[:-1] != ta[1:]
        out.append(RawSeries(labels, ta[keep], va[keep], sa[keep]))
    return out


# --- loading -------------------------------------------------------------------------------------


def load_test_file(path: Path | str) -> LoadedTestFile:
    """Read and check a promtool unit-test file and its rule files; raises `FormatError`."""
    path = Path(path)
    source = str(path)
    try:
        text = read_text_limited(path)
    except OSError as exc:
        raise FormatError([Problem(source, None, None, "", f"cannot read: {exc.strerror}")]) from None
    data, positions = load_yaml(text, source)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise FormatError([Problem(source, 1, 1, "", "a promtool test file must be a mapping")])
    spec = parse_model(UnitTestFile, data, positions, source)
    problems: list[Problem] = []
    seen: set[str] = set()
    for i, name in enumerate(spec.group_eval_order):
        if name in seen:
            line, col = positions.find(("group_eval_order", i))
            problems.append(
                Problem(
                    source,
                    line,
                    col,
                    f"group_eval_order[{i}]",
                    f"group name repeated in evaluation order: {name}",
                )
            )
        seen.add(name)
    groups: list[RuleGroup] = []
    for i, ref in enumerate(spec.rule_files):
        pattern = ref if Path(ref).is_absolute() else str(path.parent / ref)
        matches = sorted(glob.glob(pattern))
        if not matches:
            line, col = positions.find(("rule_files", i))
            problems.append(Problem(source, line, col, f"rule_files[{i}]", f"no file matches {ref!r}"))
        for rf in matches:
            try:
                rtext = read_text_limited(Path(rf))
                rdata, rpos = load_yaml(rtext, rf)
                rule_file = parse_model(RuleFile, rdata if rdata is not None else {"groups": []}, rpos, rf)
            except FormatError as exc:
                problems.extend(exc.problems)
                continue
            except OSError as exc:
                problems.append(Problem(rf, None, None, "", f"cannot read: {exc.strerror}"))
                continue
            for gi, g in enumerate(rule_file.groups):
                for ri, rule in enumerate(g.rules):
                    try:
                        promql.parse(rule.expr)
                    except promql.PromQLError as exc:
                        line, col = rpos.find(("groups", gi, "rules", ri, "expr"))
                        problems.append(Problem(rf, line, col, f"groups[{gi}].rules[{ri}].expr", str(exc)))
            groups.extend(rule_file.groups)
    names = [g.name for g in groups]
    for name in {n for n in names if names.count(n) > 1}:
        problems.append(
            Problem(
                source, None, None, "rule_files", f"group name {name!r} appears in more than one rule file"
            )
        )
    series: list[list[RawSeries]] = []
    for ti, tg in enumerate(spec.tests):
        try:
            series.append(build_series(tg.input_series, tg.interval))
        except ValueError as exc:
            line, col = positions.find(("tests", ti, "input_series"))
            problems.append(Problem(source, line, col, f"tests[{ti}].input_series", str(exc)))
        for ci, case in enumerate(tg.alert_rule_test):
            if not case.alertname:
                line, col = positions.find(("tests", ti, "alert_rule_test", ci))
                problems.append(
                    Problem(
                        source,
                        line,
                        col,
                        f"tests[{ti}].alert_rule_test[{ci}]",
                        "misses required attribute alertname",
                    )
                )
    if problems:
        raise FormatError(problems)
    order = {name: i for i, name in enumerate(spec.group_eval_order)}
    # promtool sorts by group_eval_order (unlisted groups count as position 0); we keep file order
    # among equals, where promtool's map iteration would make it random.
    groups.sort(key=lambda g: order.get(g.name, 0))
    return LoadedTestFile(path, spec, groups, series)


# --- formatting as promtool does -------------------------------------------------------------------


def _go_quote(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t") + '"'


def labels_string(labels: dict[str, str] | tuple) -> str:
    items = sorted(labels.items()) if isinstance(labels, dict) else list(labels)
    return "{" + ", ".join(f"{k}={_go_quote(v)}" for k, v in items) + "}"


def go_duration(seconds: float) -> str:
    """model.Duration.String(): 90m -> 1h30m, 1d, 1w, 0s."""
    ms = round(seconds * 1000)
    if ms == 0:
        return "0s"
    out = ""
    for unit, mult, exact in (
        ("y", 31_536_000_000, True),
        ("w", 604_800_000, True),
        ("d", 86_400_000, False),
        ("h", 3_600_000, False),
        ("m", 60_000, False),
        ("s", 1000, False),
        ("ms", 1, False),
    ):
        if exact and ms % mult:
            continue
        n = ms // mult
        if n > 0:
            out += f"{n}{unit}"
            ms -= n * mult
    return out


def go_float_E(v: float) -> str:
    """strconv.FormatFloat(v, 'E', -1, 64)."""
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "+Inf" if v > 0 else "-Inf"
    s = f"{v:.17E}"
    # shortest digits that round-trip, in E notation
    for prec in range(0, 17):
        cand = f"{v:.{prec}E}"
        if float(cand) == v:
            s = cand
            break
    mant, exp = s.split("E")
    e = int(exp)
    return f"{mant}E{'-' if e < 0 else '+'}{abs(e):02d}"


def _alerts_string(items: list[tuple[tuple, tuple]]) -> str:
    if not items:
        return "[]"

    def one(i: int, la: tuple[tuple, tuple]) -> str:
        body = "\n" + "Labels:" + labels_string(la[0]) + "\nAnnotations:" + labels_string(la[1])
        return f"{i}:" + body.replace("\n", "\n  ")

    s = "[\n" + ",\n".join(one(i, la) for i, la in enumerate(items)) + "\n]"
    return s.replace("\n", "\n" + " " * 12)


# --- running -------------------------------------------------------------------------------------


def run_test_file(path: Path | str) -> TestFileResult:
    """Run every test group of a promtool unit-test file with firedrill's engine."""
    loaded = load_test_file(path)
    result = TestFileResult(loaded.path)
    for tg, series in zip(loaded.spec.tests, loaded.series, strict=True):
        result.failures.extend(_run_group(loaded, tg, series))
    return result


def _run_group(loaded: LoadedTestFile, tg: TestGroup, series: list[RawSeries]) -> list[str]:
    interval = loaded.spec.evaluation_interval
    maxt = max([c.eval_time for c in tg.alert_rule_test] + [c.eval_time for c in tg.promql_expr_test] + [0.0])
    step_ms = round(interval * 1000)
    ticks_ms = np.arange(0, round(maxt * 1000) + 1, step_ms, dtype=np.int64)
    errs: list[str] = []
    storage = Storage(series)
    try:
        timeline = evaluate_rules(
            loaded.groups,
            storage,
            interval,
            ticks=ticks_ms / 1000,
            external_labels=tg.external_labels,
            external_url=tg.external_url,
        )
        eval_error = None
    except RuleEvaluationError as exc:
        # promtool evaluates up to the failing tick, checks alerts due before it, then stops.
        eval_error = exc
        upto = ticks_ms[ticks_ms < round(exc.at * 1000)]
        storage = Storage(series)
        timeline = evaluate_rules(
            loaded.groups,
            storage,
            interval,
            ticks=upto / 1000,
            external_labels=tg.external_labels,
            external_url=tg.external_url,
        )
        ticks_ms = upto
    errs.extend(_check_alerts(tg, timeline, ticks_ms, step_ms))
    if eval_error is not None:
        errs.append(
            f"    rule: {eval_error.rule}, time: {go_duration(eval_error.at)}, err: {eval_error.message}"
        )
        return errs
    for case in tg.promql_expr_test:
        errs.extend(_check_expr(case, storage))
    return errs


def _check_alerts(tg: TestGroup, timeline: AlertTimeline, ticks_ms: np.ndarray, step_ms: int) -> list[str]:
    errs = []
    cases = sorted(tg.alert_rule_test, key=lambda c: c.eval_time)
    for case in cases:
        et = round(case.eval_time * 1000)
        i = int(np.searchsorted(ticks_ms, et, side="right")) - 1
        if i < 0 or not (ticks_ms[i] <= et < ticks_ms[i] + step_ms):
            continue
        tick = ticks_ms[i] / 1000
        got = sorted(
            (tuple(sorted(a.labels.items())), tuple(sorted(a.annotations_at(tick).items())))
            for a in timeline.by_name(case.alertname)
            if a.state_at(tick) == "firing"
        )
        exp = sorted(
            (
                tuple(sorted({**e.exp_labels, "alertname": case.alertname}.items())),
                tuple(sorted(e.exp_annotations.items())),
            )
            for e in case.exp_alerts
        )
        if got != exp:
            name = f"    name: {tg.name},\n" if tg.name else ""
            errs.append(
                f"{name}    alertname: {case.alertname}, time: {go_duration(case.eval_time)}, \n"
                f"        exp:{_alerts_string(exp)}, \n        got:{_alerts_string(got)}"
            )
    return errs


def _check_expr(case: PromqlTestCase, storage: Storage) -> list[str]:
    when = go_duration(case.eval_time)
    try:
        value = evaluate_storage(case.expr, storage, np.array([round(case.eval_time * 1000)], np.int64))
    except (promql.PromQLError, promql.EvaluationError) as exc:
        return [f"    expr: {_go_quote(case.expr)}, time: {when}, err: {exc}"]
    got: list[tuple[tuple[tuple[str, str], ...], float]]
    if isinstance(value, ScalarValue):
        got = [((), float(value.v[0]))]
    else:
        got = [(s.labels, float(s.v[0])) for s in value if s.p[0]]
    exp = []
    for s in case.exp_samples:
        try:
            exp.append(
                (make_labels(parse_series_labels(s.labels)) if s.labels.strip() else (), float(s.value))
            )
        except ValueError as exc:
            return [
                f"    expr: {_go_quote(case.expr)}, time: {when}, err: labels {_go_quote(s.labels)}: {exc}"
            ]
    got.sort(key=lambda x: x[0])
    exp.sort(key=lambda x: x[0])
    # reflect.DeepEqual: NaN never equals NaN
    same = len(got) == len(exp) and all(g[0] == e[0] and g[1] == e[1] for g, e in zip(got, exp, strict=True))
    if same:
        return []

    def fmt(items):
        return ", ".join(f"{labels_string(lab)} {go_float_E(v)}" for lab, v in items) if items else "nil"

    return [
        f"    expr: {_go_quote(case.expr)}, time: {when},\n        exp: {fmt(exp)}\n        got: {fmt(got)}"
    ]
