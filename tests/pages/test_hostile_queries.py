"""Hostile input to the query engines gets a clear answer, never a frozen server or a traceback.

Issue 16: a PromQL label regex, a Kibana wildcard term and a psql comment each froze the whole
server (Python's backtracking `re` and a quadratic comment regex hold the interpreter lock);
out-of-range durations and ids raised OverflowError. The hang regressions carry a pytest-timeout
guard far above the microseconds the fixed code takes: on the old code they never finish, and the
guard turns that into a failure instead of a stuck suite. The live-server property (a second
session stays responsive) is `tests/test_server_liveness.py`.
"""

from __future__ import annotations

import numpy as np
import pytest

from simulator import promql
from simulator.consoles import ConsoleWorld
from simulator.consoles import database as dbc
from simulator.consoles.logquery import search
from simulator.consoles.logs import log_stream
from simulator.durations import parse_duration
from simulator.promql.regex import LabelRegexError, compile_label_regex
from simulator.traces import generate_trace
from tests.cli import run_cli
from tests.conftest import FIXTURES

HOSTILE_REGEX = "(.*.*)*x"
# Long enough that a backtracking engine needs longer than the universe's age on `(.*.*)*x`.
LONG_LABEL = "a" * 64


@pytest.fixture(scope="module")
def trace(pool_scenario):
    return generate_trace(pool_scenario.scenario, seed=1)


# --- A. label regexes are RE2, anchored like Prometheus ---------------------------------------


@pytest.mark.timeout(60)
def test_a_catastrophic_label_regex_is_answered_at_once(trace):
    parsed = promql.parse(f'{{__name__=~"{HOSTILE_REGEX}", job=~".+"}}')
    assert not parsed.selectors[0].matchers[0].matches(LONG_LABEL)
    assert promql.evaluate(parsed, trace, trace.offsets[:5]) == []


@pytest.mark.timeout(60)
def test_rules_test_on_the_hostile_matcher_finishes_like_promtool(tmp_path):
    (tmp_path / "rules.yml").write_text(
        "groups:\n  - name: g\n    rules:\n"
        f"      - record: hostile\n        expr: count({{__name__=~'{HOSTILE_REGEX}'}})\n"
    )
    (tmp_path / "test.yml").write_text(
        "rule_files: [rules.yml]\nevaluation_interval: 1m\ntests:\n  - interval: 1m\n"
        f"    input_series:\n      - series: '{LONG_LABEL}{{job=\"{LONG_LABEL}\"}}'\n        values: '1x5'\n"
        "    promql_expr_test:\n      - expr: hostile\n        eval_time: 2m\n        exp_samples: []\n"
    )
    r = run_cli("rules-test", str(tmp_path / "test.yml"))
    assert r.returncode == 0, r.stderr
    assert "SUCCESS" in r.stdout


@pytest.mark.parametrize(
    ("regex", "why"),
    [
        ("(a)\\\\1", "invalid escape sequence"),  # a backreference (YAML/PromQL unescape to (a)\1)
        ("(?=a)a", "invalid perl operator"),  # lookahead
        ("a++", "bad repetition operator"),  # possessive
    ],
)
def test_syntax_prometheus_refuses_is_a_located_parse_error(regex, why):
    expr = f'up{{job=~"{regex}"}}'
    with pytest.raises(promql.PromQLError) as caught:
        promql.parse(expr)
    assert why in caught.value.message
    assert caught.value.column == expr.index('"') + 1
    assert "RE2" in caught.value.message


def test_regexes_keep_prometheus_anchoring_and_dot_matches_newline():
    m = promql.parse('up{job=~"api|db", path=~"/a.b"}').selectors[0].matchers
    assert m[1].matches("api") and m[1].matches("db")
    assert not m[1].matches("api-2") and not m[1].matches("xdb")  # anchored at both ends
    assert m[2].matches("/a\nb")  # `.` spans newlines, as in Prometheus
    not_api = promql.parse('up{job!~"api.*"}').selectors[0].matchers[1]
    assert not_api.matches("db") and not not_api.matches("api-1")


def test_the_compiled_regex_cache_is_bounded():
    compile_label_regex.cache_clear()
    for i in range(1000):
        compile_label_regex(f"job-{i}")
    info = compile_label_regex.cache_info()
    assert info.currsize == info.maxsize < 1000


def test_an_overlong_regex_is_refused_with_the_limit():
    with pytest.raises(LabelRegexError, match="at most 4096"):
        compile_label_regex("a" * 5000)


def test_an_overlong_expression_is_refused_with_the_limit():
    with pytest.raises(promql.PromQLError, match="at most 10,000"):
        promql.parse("up + " * 3000 + "up")


@pytest.mark.timeout(60)
def test_alert_templates_and_routing_matchers_use_the_same_linear_engine():
    from simulator.routing.config import parse_matcher
    from simulator.templating import expand, render

    text = "a" * 64
    assert render(f'{{{{ reReplaceAll "{HOSTILE_REGEX}" "y" "{text}" }}}}', {}, 0.0) == text
    assert (
        render(f'{{{{ if match "{HOSTILE_REGEX}" "{text}" }}}}hit{{{{ else }}}}miss{{{{ end }}}}', {}, 0.0)
        == "miss"
    )
    assert render('{{ reReplaceAll "(a+)(b)" "${2}$1" "xaab" }}', {}, 0.0) == "xbaa"
    assert "error parsing regexp: invalid escape sequence" in expand('{{ match "(a)\\\\1" "aa" }}', {}, 0.0)
    assert not parse_matcher(f'job=~"{HOSTILE_REGEX}"').matches(text)
    assert parse_matcher('job=~"api|db"').matches("db") and not parse_matcher('job=~"api|db"').matches("db2")


# --- the log console: wildcard terms run on RE2 too -------------------------------------------


@pytest.mark.timeout(60)
def test_a_hostile_wildcard_log_search_is_answered_at_once(pool_scenario):
    frame = log_stream(pool_scenario.scenario, 1, 1800.0)
    # With Python's `re` this term took 17 s (8 pairs) and 67 s (10 pairs).
    result = search(frame, "*?" * 12 + "Q", start=0, end=1800, limit=50)
    assert result.total == 0
    # Ordinary searches still behave as in Kibana: whole words, case-insensitive, wildcards.
    assert search(frame, "level:error", start=0, end=1800, limit=5).total > 0
    assert (
        search(frame, "TIMED", start=0, end=1800, limit=5).total
        == search(frame, "timed", start=0, end=1800, limit=5).total
    )
    assert search(frame, "service:ap?", start=0, end=1800, limit=5).total > 0


# --- B. the psql console stays inside its budget ----------------------------------------------


def _db(pool_scenario, trace) -> dbc.DatabaseConsole:
    return dbc.DatabaseConsole(ConsoleWorld(pool_scenario, trace, 600.0, 1))


@pytest.mark.timeout(60)
def test_an_overlong_query_is_refused_naming_the_limit_before_any_work(pool_scenario, trace):
    r = _db(pool_scenario, trace).execute("SELECT 1 " + "/*x" * 40000)
    assert r.error == "the query is 120,009 characters long; this console accepts at most 10,000 characters"


@pytest.mark.timeout(60)
def test_an_unterminated_comment_is_a_psql_error(pool_scenario, trace):
    r = _db(pool_scenario, trace).execute("SELECT 1 " + "/*x" * 3000)
    assert r.error.startswith('unterminated /* comment at or near "/*x/*x')


def test_comments_nest_and_quoted_dashes_are_not_comments(pool_scenario, trace):
    c = _db(pool_scenario, trace)
    assert c.execute("SELECT 1 /* a /* nested */ still a comment */ + 1 -- trailing").rows == [(2,)]
    r = c.execute("SELECT '--' AS dashes, '/* not a comment */' AS slash")
    assert r.rows == [("--", "/* not a comment */")]


def test_string_agg_is_capped_like_group_concat(pool_scenario, trace):
    r = _db(pool_scenario, trace).execute(
        "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 20) "
        "SELECT length(string_agg(printf('%.10000c', 'x'), '')) FROM r"
    )
    assert r.error == "the value is too large for this console (100 kB limit)"


def test_a_result_too_large_to_show_is_refused_with_a_hint(pool_scenario, trace):
    r = _db(pool_scenario, trace).execute(
        "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 400) "
        "SELECT n, hex(zeroblob(20000)) FROM r"
    )
    assert r.error.startswith("the result is too large: more than 2,000,000 characters")


@pytest.mark.timeout(120)
def test_a_query_that_would_exhaust_memory_stops_with_a_clear_message(pool_scenario, trace, monkeypatch):
    # Only the memory limit may stop it here: on a slow machine the step or clock limit could
    # otherwise come first, and that is a different (tested) guard.
    monkeypatch.setattr(dbc, "WALL_LIMIT", 600.0)
    c = dbc.DatabaseConsole(ConsoleWorld(pool_scenario, trace, 600.0, 1), step_budget=10**9)
    r = c.execute(
        "WITH RECURSIVE r(n, x) AS (SELECT 1, zeroblob(90000) UNION ALL SELECT n + 1, x FROM r WHERE n < 30000) "
        "SELECT count(*) FROM (SELECT x || '' FROM r ORDER BY random())"
    )
    assert r.error.startswith("out of memory: the query needs more memory than this console allows (256 MB)")
    assert c.execute("SELECT 1").rows == [(1,)]


def test_a_query_stopped_by_the_clock_leaves_the_console_usable(pool_scenario, trace, monkeypatch):
    c = _db(pool_scenario, trace)
    monkeypatch.setattr(dbc, "WALL_LIMIT", -1.0)  # every statement is already past its deadline
    counting = "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 50000) SELECT count(*) FROM n"
    assert "ran past the console's limit" in c.execute(counting).error
    monkeypatch.setattr(dbc, "WALL_LIMIT", 2.0)
    assert c.execute("SELECT 1").rows == [(1,)]


def test_select_lists_are_read_in_one_pass_keeping_aliases(pool_scenario, trace):
    words = "'" + "select " * 1400 + "'"
    assert dbc._select_items(f"SELECT {words} AS words, (SELECT 1) AS one FROM x") == [
        f"{words} AS words",
        "1",
        "(SELECT 1) AS one",
    ]
    # The alias still tells the console that `runtime` is an interval, as psql would print it.
    r = _db(pool_scenario, trace).execute(
        f"SELECT now() - query_start AS runtime, {words} AS words FROM pg_stat_activity "
        "WHERE query_start IS NOT NULL ORDER BY runtime DESC LIMIT 1"
    )
    assert r.ok, r.error
    assert r.rows[0][0].count(":") == 2


# --- C. out-of-range numbers are clear errors --------------------------------------------------


def test_an_out_of_range_promql_duration_is_a_located_error(trace):
    with pytest.raises(promql.PromQLError) as caught:
        promql.parse("rate(x[99999999999y])")
    assert str(caught.value) == (
        "duration '99999999999y' is out of range at column 8; at most 292y (about 292 years), as in Prometheus"
    )
    # The longest duration Prometheus accepts still evaluates.
    got = promql.evaluate("count_over_time(db_connections_active[292y])", trace, np.array([600.0]))
    assert got and got[0].present[0]


def test_an_out_of_range_rule_duration_is_a_clear_error():
    with pytest.raises(ValueError, match="out of range; at most 292y"):
        parse_duration("99999999999y")
    assert parse_duration("292y") == 292 * 365 * 86400


def test_validate_refuses_out_of_range_durations_in_scenario_rules(tmp_path):
    text = (FIXTURES / "scenarios" / "pool-exhaustion.yaml").read_text()
    assert "for: 2m" in text and "[5m]" in text
    hostile = text.replace("for: 2m", "for: 99999999999y", 1).replace("[5m]", "[99999999999y]", 1)
    (tmp_path / "hostile.yaml").write_text(hostile)
    r = run_cli("validate", str(tmp_path))
    assert r.returncode == 2
    assert "Traceback" not in r.stderr and "OverflowError" not in r.stderr
    assert "duration '99999999999y' is out of range" in r.stderr
    assert "'99999999999y' is out of range; at most 292y" in r.stderr


def test_get_attempt_with_an_id_no_database_can_hold_is_not_found(tmp_store):
    from simulator.store import attempts

    assert attempts.get_attempt(tmp_store, 99999999999999999999999) is None
    assert attempts.get_attempt(tmp_store, -1) is None


def test_the_debrief_and_drill_pages_say_no_such_attempt_for_a_huge_id():
    from tests.helpers import app_test

    for page in ("pages/debrief.py", "pages/drill.py"):
        at = app_test(page, role="trainee", query_params={"attempt": "99999999999999999999999"}, timeout=60)
        at.run()
        assert not at.exception, at.exception
        assert any("no" in e.value.lower() and "attempt" in e.value.lower() for e in at.error), [
            e.value for e in at.error
        ]
