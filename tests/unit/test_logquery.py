"""The log search language behaves like Kibana's: fields, phrases, wildcards, precedence, errors."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
import pytest

from simulator.consoles.logquery import And, LogQueryError, Not, Or, Term, parse, search

START = datetime(2026, 3, 10, 14, 15, tzinfo=UTC)

LINES = [
    # offset, level, service, message, status, tenant
    (10, "INFO", "api", "GET /v1/projects 200 12ms", "200", "globex"),
    (
        20,
        "WARN",
        "api",
        "slow query: 11.8s tenant=acme-analytics route=/v1/exports/bulk",
        None,
        "acme-analytics",
    ),
    (30, "ERROR", "api", "db pool: timed out acquiring connection after 5000ms", "503", None),
    (40, "ERROR", "worker", "job 42 failed: connection reset by peer", None, "globex"),
    (50, "INFO", "auth", "token refreshed for pat@example.com", None, None),
    (300, "ERROR", "api", "db pool: timed out acquiring connection after 5000ms", "503", "initech"),
    (310, "INFO", "api", "GET /v1/queries/7 404 8ms", "404", "initech"),
]


@pytest.fixture
def frame() -> pd.DataFrame:
    rows = [
        {
            "offset": float(o),
            "level": lv,
            "service": sv,
            "host": "api-1",
            "request_id": f"req-{i}",
            "message": msg,
            "status": st,
            "tenant": tn,
        }
        for i, (o, lv, sv, msg, st, tn) in enumerate(LINES)
    ]
    f = pd.DataFrame(rows)
    f.insert(0, "time", pd.Timestamp(START) + pd.to_timedelta(f["offset"], unit="s"))
    return f


def offsets(frame: pd.DataFrame, query: str, **kw) -> list[int]:
    return sorted(int(o) for o in search(frame, query, **kw).rows["offset"])


def test_not_binds_tighter_than_and_which_binds_tighter_than_or():
    assert parse("a OR b AND NOT c") == Or(
        (
            Term(None, "a", False, 1),
            And((Term(None, "b", False, 6), Not(Term(None, "c", False, 16)))),
        )
    )


def test_terms_side_by_side_must_all_match(frame):
    assert offsets(frame, "pool timed") == [30, 300]
    assert offsets(frame, "pool reset") == []


def test_or_is_weaker_than_an_implicit_and(frame):
    # reads as: (level:ERROR AND service:worker) OR level:WARN
    assert offsets(frame, "level:ERROR service:worker OR level:WARN") == [20, 40]


def test_parentheses_override_precedence(frame):
    assert offsets(frame, "level:ERROR AND (service:worker OR service:auth)") == [40]
    assert offsets(frame, "(level:ERROR AND service:worker) OR service:auth") == [40, 50]


def test_not_and_a_leading_minus_exclude_lines(frame):
    assert offsets(frame, "level:ERROR NOT service:api") == [40]
    assert offsets(frame, "level:ERROR -service:api") == [40]


def test_a_quoted_phrase_needs_the_words_together_and_in_order(frame):
    assert offsets(frame, '"timed out acquiring"') == [30, 300]
    assert offsets(frame, '"acquiring timed"') == []


def test_a_bare_term_matches_whole_words_of_the_message_case_insensitively(frame):
    assert offsets(frame, "POOL") == [30, 300]
    assert offsets(frame, "poo") == []


def test_wildcards_match_inside_a_word_and_a_single_character(frame):
    assert offsets(frame, "acq*") == [30, 300]
    assert offsets(frame, "t?ken") == [50]
    assert offsets(frame, "tenant:acme*") == [20]


def test_a_field_must_match_its_whole_value(frame):
    assert offsets(frame, "tenant:acme-analytics") == [20]
    assert offsets(frame, "tenant:acme") == []
    assert offsets(frame, "level:error service:api") == [30, 300]


def test_a_field_group_applies_the_field_to_each_term(frame):
    assert offsets(frame, "service:(worker OR auth)") == [40, 50]


def test_a_range_selects_numbers_between_its_bounds(frame):
    assert offsets(frame, "status:[400 TO 599]") == [30, 300, 310]
    assert offsets(frame, "status:{404 TO 599]") == [30, 300]
    assert offsets(frame, "status:>=404") == [30, 300, 310]


def test_exists_finds_lines_that_carry_a_field(frame):
    assert offsets(frame, "_exists_:status NOT level:INFO") == [30, 300]


def test_the_time_range_limits_results_and_the_histogram(frame):
    result = search(frame, "level:ERROR", start=0, end=100)
    assert result.total == 2
    assert result.histogram["count"].sum() == 2
    assert result.histogram["time"].iloc[0] == pd.Timestamp(START)


def test_results_come_newest_first_and_are_counted_beyond_the_limit(frame):
    result = search(frame, "", limit=2)
    assert result.total == len(LINES)
    assert list(result.rows["offset"]) == [310, 300]


def test_histogram_buckets_cover_the_range_with_zeros(frame):
    result = search(frame, "pool", start=0, end=600)
    assert result.interval == 10
    assert len(result.histogram) == 60
    assert result.histogram.loc[result.histogram["count"] > 0, "time"].tolist() == [
        pd.Timestamp(START) + pd.Timedelta(seconds=30),
        pd.Timestamp(START) + pd.Timedelta(seconds=300),
    ]


@pytest.mark.parametrize(
    ("query", "position", "words"),
    [
        ("level:ERROR AND", 13, "AND needs a search term"),
        ("(pool OR timed", 1, "never closed"),
        ("pool)", 5, "no matching '('"),
        ('message:"timed out', 9, "quoted phrase is never closed"),
        ("status:", 7, "needs a value"),
        ("status:[500 599]", 8, "[low TO high]"),
        ("NOT", 1, "NOT needs a search term"),
        ("pool OR OR timed", 6, "OR needs a search term"),
        ("tennant:acme", 1, "there is no field 'tennant'"),
    ],
)
def test_syntax_errors_name_the_problem_and_its_position(frame, query, position, words):
    with pytest.raises(LogQueryError) as err:
        search(frame, query)
    assert err.value.position == position
    assert words in err.value.message
    assert f"position {position}" in str(err.value)
