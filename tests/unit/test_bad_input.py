"""Hostile and malformed input to every parser: a clear error, never a traceback.

Each parser is fed random text, random bytes decoded as text, and mutations of a valid file
(lines deleted, duplicated or swapped; characters replaced; garbage and YAML bombs inserted).
It must either accept the input or raise the error type it documents, whose message is
non-empty and names the source. The number of cases each parser ran is written to
benchmarks/out/bad_input_counts.json and printed at the end of the run.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator.consoles.logquery import LogQueryError
from simulator.promql import PromQLError
from simulator.yamlio import FormatError
from tests.conftest import ROOT

CASES: Counter[str] = Counter()
OUT = ROOT / "benchmarks" / "out" / "bad_input_counts.json"
EXAMPLES = 150


@dataclass(frozen=True)
class Parser:
    name: str
    parse: Callable[[str], object]
    errors: tuple[type[Exception], ...]
    sample: str  # a valid input to mutate


def _scenario(text: str) -> object:
    from simulator.scenario import parse_scenario

    return parse_scenario(text, "fuzz.yaml", base_dir=ROOT / "scenarios")


def _duration(text: str) -> object:
    from simulator.durations import parse_duration

    return parse_duration(text)


def _format_file(kind: str, base_dir: Path = ROOT / "data") -> Callable[[str], object]:
    def parse(text: str) -> object:
        from simulator.formats import FORMATS

        return FORMATS[kind].validate(text, f"fuzz-{kind}.yaml", base_dir)

    return parse


def _promql(text: str) -> object:
    from simulator.promql import parse

    return parse(text)


def _logquery(text: str) -> object:
    from simulator.consoles.logquery import parse

    return parse(text)


_PROMTOOL_DIR: list[Path] = []


def _promtool_test(text: str) -> object:
    """promtool test files are read from disk (rule files are resolved beside them), so each case
    is written to a temporary folder holding the example rule file."""
    from simulator.promtool_tests import load_test_file

    if not _PROMTOOL_DIR:
        folder = Path(tempfile.mkdtemp(prefix="firedrill-fuzz-"))
        shutil.copy(PROMTOOL_FIXTURES / "example_rules.yml", folder / "example_rules.yml")
        _PROMTOOL_DIR.append(folder)
    path = _PROMTOOL_DIR[0] / "fuzz.test.yml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    return load_test_file(path)


PROMQL_SAMPLE = """sum by (job) (
  rate(http_requests_total{job="api", code=~"5.."}[5m])
)
  / ignoring(code) sum by (job) (rate(http_requests_total[5m])) > 0.05
and on(job) avg_over_time(up[10m]) == 1"""
LOGQUERY_SAMPLE = """level:error AND service:api
AND NOT message:"connection time*"
OR (status:[500 TO 599] AND host:api-2) OR _exists_:request_id"""
PROMTOOL_FIXTURES = ROOT / "tests" / "fixtures" / "promtool"


def parsers() -> list[Parser]:
    seed = (ROOT / "scenarios" / "db-pool-exhaustion.yaml").read_text()
    out = [
        Parser("scenario", _scenario, (FormatError,), seed),
        Parser("duration", _duration, (ValueError,), "1h30m"),
    ]
    out.append(Parser("promql", _promql, (PromQLError,), PROMQL_SAMPLE))
    out.append(Parser("logquery", _logquery, (LogQueryError,), LOGQUERY_SAMPLE))
    out.append(
        Parser(
            "promtool_test",
            _promtool_test,
            (FormatError,),
            (PROMTOOL_FIXTURES / "example_test.yml").read_text(),
        )
    )
    for kind, path in [
        ("policy", ROOT / "data" / "policy.yaml"),
        ("team", ROOT / "data" / "team.yaml"),
        ("curriculum", ROOT / "data" / "curriculum.yaml"),
        ("alertmanager", ROOT / "data" / "alertmanager.yml"),
        ("runbook", ROOT / "data" / "runbooks" / "service_restart.yaml"),
        ("responses", ROOT / "scenarios" / "db-pool-exhaustion.expert.yaml"),
    ]:
        out.append(Parser(kind, _format_file(kind, path.parent), (FormatError,), path.read_text()))
    return out


PARSERS = {p.name: p for p in parsers()}

GARBAGE = [
    "\x00",
    "{{",
    "}}",
    "[",
    "]",
    ": :",
    "- - -",
    "&a [*a]",
    "*undefined",
    "!!python/object:os.system",
    "\t",
    "'",
    '"',
    "%YAML 9.9",
    "---\n---",
    "? complex",
    "~",
    "1e999",
    "-0",
    "NaN",
    "\u202e",
    "é" * 50,
    "a: " + "[" * 200,
    "<script>alert(1)</script>",
]


@st.composite
def mutated(draw, sample: str) -> str:
    lines = sample.splitlines()
    for _ in range(draw(st.integers(1, 4))):
        if not lines:
            break
        op = draw(st.sampled_from(["delete", "duplicate", "swap", "replace_char", "insert", "truncate"]))
        i = draw(st.integers(0, len(lines) - 1))
        if op == "delete":
            del lines[i]
        elif op == "duplicate":
            lines.insert(i, lines[i])
        elif op == "swap":
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        elif op == "replace_char" and lines[i]:
            k = draw(st.integers(0, len(lines[i]) - 1))
            lines[i] = (
                lines[i][:k]
                + draw(st.sampled_from(GARBAGE + list(":-[]{}#&*!|>'\"%@`,")))
                + lines[i][k + 1 :]
            )
        elif op == "insert":
            lines.insert(i, draw(st.sampled_from(GARBAGE)) + draw(st.text(max_size=20)))
        elif op == "truncate":
            lines = lines[:i]
    return "\n".join(lines)


def inputs(sample: str):
    return st.one_of(
        st.text(max_size=300),
        st.sampled_from(GARBAGE),
        st.binary(max_size=200).map(lambda b: b.decode("utf-8", errors="replace")),
        mutated(sample),
    )


def check(parser: Parser, text: str) -> None:
    CASES[parser.name] += 1
    try:
        parser.parse(text)
    except parser.errors as exc:
        message = str(exc)
        assert message.strip(), f"{parser.name}: empty error message"
        assert "Traceback" not in message
        if isinstance(exc, FormatError):
            assert exc.problems and all(p.source and p.message for p in exc.problems)


@pytest.mark.parametrize("name", sorted(PARSERS))
def test_parser_gives_a_clear_error_or_accepts_never_a_traceback(name):
    parser = PARSERS[name]

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(inputs(parser.sample))
    def run(text: str) -> None:
        check(parser, text)

    run()
    assert CASES[name] >= EXAMPLES // 2


def test_deeply_nested_yaml_is_a_clear_error_not_a_crash():
    parser = PARSERS["scenario"]
    with pytest.raises(FormatError):
        parser.parse("a: " + "[" * 5000 + "]" * 5000)


# Hostile one-liners random text rarely reaches: nesting deep enough to exhaust Python's stack, long
# operator chains, and ranges cut off at every point.
HOSTILE = {
    "promql": [
        "(" * 5000 + "a" + ")" * 5000,
        "a" + " + a" * 5000,
        "-" * 5000 + "1",
        "sum(" * 2000,
        'a{b="' + "x" * 100_000,
        "rate(a[5m]",
        "a offset -",
    ],
    "logquery": [
        "(" * 1999,
        "NOT " * 499 + "a",
        "a:[",
        "a:[1",
        "a:[1 TO",
        "a:[1 TO 2",
        "a:(b OR",
        '"' * 1999,
    ],
}


@pytest.mark.parametrize(
    ("name", "text"),
    [(n, t) for n, texts in HOSTILE.items() for t in texts],
    ids=lambda v: v if v in HOSTILE else repr(v[:12]),
)
def test_hostile_query_is_a_clear_error_not_a_crash(name, text):
    if name not in PARSERS:
        pytest.skip(f"the {name} parser does not exist yet")
    check(PARSERS[name], text)


@pytest.fixture(scope="module", autouse=True)
def _write_counts():
    yield
    OUT.parent.mkdir(exist_ok=True)
    previous = json.loads(OUT.read_text()) if OUT.exists() else {}
    previous.update(dict(CASES))
    OUT.write_text(json.dumps(previous, indent=2, sort_keys=True))
    total = sum(CASES.values())
    print(f"\nbad-input cases run: {total} ({', '.join(f'{k} {v}' for k, v in sorted(CASES.items()))})")
