"""The scenario studio's pure helpers: how problems are listed and marked, when alerts first fire,
what a refused save says, the starting template and the variant table (no Streamlit, no store)."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator.scenario import load_scenario
from simulator.studio import (
    TextCheck,
    first_firings,
    imported_text,
    located_problems,
    problem_lines,
    problem_listing,
    refusal_message,
    starting_template,
    variant_rows,
)
from simulator.yamlio import MAX_BYTES, FormatError, Problem
from tests.conftest import SCENARIOS

ERROR = Problem("editor", 7, 13, "difficulty", "must be at most 5")
UNPLACED = Problem("editor", None, None, "", "the file is empty")
NOTE = Problem("editor", 3, 5, "alert", "never fires")


def test_the_problem_listing_gives_line_column_and_field_and_marks_what_is_unknown():
    assert problem_listing([ERROR, UNPLACED]).splitlines() == [
        "line 7, column 13 · difficulty: must be at most 5",
        "line ?, column ? · (file): the file is empty",
    ]


def test_only_problems_with_a_line_are_marked_errors_before_notes():
    check = TextCheck(None, problems=(ERROR, UNPLACED), notes=(NOTE,))
    assert located_problems(check) == [(ERROR, "error"), (NOTE, "warning")]


def test_problem_lines_are_distinct_top_to_bottom_and_capped():
    twice = Problem("editor", 7, 1, "id", "taken")
    check = TextCheck(None, problems=(ERROR, twice), notes=(NOTE,))
    assert problem_lines(check) == [3, 7]
    assert problem_lines(check, 1) == [3]


def test_each_alert_is_named_once_at_its_first_firing_in_firing_order():
    rows = [
        {"alert": "B", "state": "pending", "time (UTC)": "10:00:00", "after": "0s"},
        {"alert": "B", "state": "firing", "time (UTC)": "10:05:00", "after": "5m"},
        {"alert": "A", "state": "firing", "time (UTC)": "10:06:00", "after": "6m"},
        {"alert": "B", "state": "firing", "time (UTC)": "10:30:00", "after": "30m"},
    ]
    assert first_firings(rows) == ["B fires at 10:05:00 UTC (5m in)", "A fires at 10:06:00 UTC (6m in)"]


def test_no_firing_row_means_no_first_firing():
    assert first_firings([{"alert": "B", "state": "pending", "time (UTC)": "10:00:00", "after": "0s"}]) == []


def test_a_refused_invalid_file_names_every_problem_in_one_line():
    message = refusal_message(FormatError([ERROR, NOTE]))
    assert message == f"{ERROR}; {NOTE}"
    assert (
        refusal_message(ValueError("built-in originals are read-only")) == "built-in originals are read-only"
    )


def test_an_imported_file_is_its_utf8_text_without_a_byte_order_mark():
    assert imported_text("drill.yaml", "\ufeffid: caf\u00e9\n".encode()) == "id: caf\u00e9\n"


def test_an_imported_file_that_is_not_utf8_is_refused_by_name_with_what_is_allowed():
    with pytest.raises(ValueError, match=r"^photo\.yaml is not UTF-8 text; .*\.yaml or \.yml.*1024 KiB"):
        imported_text("photo.yaml", b"\x89PNG\r\n\x1a\n\xff\xfe")


def test_an_imported_file_over_the_yaml_limit_is_refused_by_name_with_the_limit():
    assert imported_text("edge.yaml", b"#" * MAX_BYTES) == "#" * MAX_BYTES
    with pytest.raises(ValueError, match=r"^big\.yml is 1024 KiB; .*at most 1024 KiB"):
        imported_text("big.yml", b"#" * (MAX_BYTES + 1))


def test_a_new_editor_starts_from_the_minimal_template_else_the_first(tmp_path: Path):
    other, minimal = tmp_path / "a.yaml", tmp_path / "minimal.yaml"
    assert starting_template({"a": other, "minimal": minimal}) == minimal
    assert starting_template({"a": other}) == other
    assert starting_template({}) is None


def test_the_variant_table_starts_with_the_default_seed_and_describes_each():
    sc = load_scenario(SCENARIOS / "bad-deploy-checkout-errors.yaml").scenario
    rows = variant_rows(sc, seeds=[1, 2])
    assert [r["seed"] for r in rows] == [sc.seed, 1, 2]
    assert all(r["variant"] for r in rows)
