"""The scenario format: every built-in file loads; every mistake gets a located, clear message."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator.scenario import load_scenario, parse_scenario, scenario_files
from simulator.yamlio import MAX_ALIASES, FormatError
from tests.cli import run_cli
from tests.conftest import FIXTURES, SCENARIOS

# A test-owned copy of the pool-exhaustion incident: the lines these tests break are its own.
SEED = (FIXTURES / "scenarios" / "pool-exhaustion.yaml").read_text()


def problems_of(text: str, base_dir: Path | None = None) -> list:
    with pytest.raises(FormatError) as exc:
        parse_scenario(text, "bad.yaml", base_dir=base_dir)
    return exc.value.problems


def test_every_built_in_scenario_loads():
    files = scenario_files(SCENARIOS)
    assert files
    for path in files:
        assert load_scenario(path).scenario.id == path.stem


def test_wrong_type_names_line_column_field_and_what_was_found():
    text = SEED.replace("difficulty: 3", "difficulty: hard")
    [p] = problems_of(text)
    assert p.field == "difficulty"
    assert p.line == text.splitlines().index("difficulty: hard") + 1
    assert p.column == 13
    assert "'hard'" in p.message and "integer" in p.message


def test_unknown_key_lists_the_allowed_keys():
    text = SEED.replace("  step: 15s\n", "  step: 15s\n  tick: 5s\n", 1)
    [p] = problems_of(text)
    assert p.field == "clock.tick"
    assert "unknown key 'tick'" in p.message
    assert "evaluation_interval" in p.message
    assert p.line == text.splitlines().index("  tick: 5s") + 1


def test_bad_duration_says_what_a_duration_looks_like():
    text = SEED.replace("duration: 45m", "duration: 45 minutes")
    [p] = problems_of(text)
    assert p.field == "clock.duration"
    assert "bad duration '45 minutes'" in p.message and "1h30m" in p.message


def test_yaml_syntax_error_is_located_without_traceback():
    text = SEED.replace("tags: [database, connection-pool, seed, traffic]", "tags: [database, seed")
    [p] = problems_of(text)
    assert p.message.startswith("YAML syntax error")
    assert p.line is not None and p.column is not None


def test_all_problems_in_a_file_are_reported_not_only_the_first():
    text = SEED.replace("difficulty: 3", "difficulty: 9").replace("kind: counter", "kind: countr", 1)
    problems = problems_of(text)
    fields = {p.field for p in problems}
    assert "difficulty" in fields
    assert any(f.startswith("metrics[0]") for f in fields)
    assert len(problems) == 2


def test_effect_on_unknown_metric_is_an_error():
    text = SEED.replace(
        "metric: http_requests_total\n    effect: surge", "metric: http_requestz\n    effect: surge"
    )
    [p] = problems_of(text)
    assert "unknown metric 'http_requestz'" in p.message


def test_mitigation_ending_an_unknown_effect_is_an_error():
    text = SEED.replace("ends: [bulk-traffic,", "ends: [bulk-trafic,")
    [p] = problems_of(text)
    assert "ends unknown incident effect 'bulk-trafic'" in p.message


def test_alias_bomb_is_refused():
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 9):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")
    [p] = problems_of("\n".join(lines))
    assert f"more than {MAX_ALIASES} aliases" in p.message


def test_file_over_one_mebibyte_is_refused_before_parsing():
    [p] = problems_of("# " + "x" * (1024 * 1024 + 10))
    assert "larger than 1024 KiB" in p.message


def test_python_object_tags_are_not_executed():
    [p] = problems_of("id: !!python/object/apply:os.system ['echo pwned']\n")
    assert "tag 'tag:yaml.org,2002:python/object/apply:os.system' is not allowed" in p.message


def test_rule_files_cannot_escape_the_scenario_folder(tmp_path):
    text = SEED.replace("rules:\n  groups:", "rule_files: ['../../etc/passwd']\nrules:\n  groups:")
    [p] = problems_of(text, base_dir=tmp_path)
    assert "leaves the scenario folder" in p.message


def test_rule_files_are_read_relative_to_the_scenario(tmp_path):
    rules_yaml = SEED.split("rules:\n", 1)[1].split("\ninjects:", 1)[0]
    (tmp_path / "api.rules.yaml").write_text("\n".join(line[2:] for line in rules_yaml.splitlines()) + "\n")
    head, tail = SEED.split("rules:\n", 1)
    text = head + "rule_files: [api.rules.yaml]\n" + "injects:" + tail.split("\ninjects:", 1)[1]
    loaded = parse_scenario(text, str(tmp_path / "s.yaml"), base_dir=tmp_path)
    assert [r.alert for r in loaded.rule_groups[0].rules] == ["DBConnectionPoolHigh", "APIErrorRateElevated"]


def test_content_hash_changes_with_the_text():
    a = parse_scenario(SEED, "a")
    b = parse_scenario(SEED.replace("difficulty: 3", "difficulty: 4"), "b")
    assert a.content_hash != b.content_hash
    assert a.content_hash == parse_scenario(SEED, "c").content_hash


def test_validate_passes_the_built_in_pack():
    r = run_cli("validate", "scenarios/")
    assert r.returncode == 0, r.stderr
    for path in scenario_files(SCENARIOS):
        assert f"ok: scenarios/{path.name} (scenario)" in r.stdout


def test_validate_exits_2_with_one_clear_line_per_problem_and_no_traceback(tmp_path):
    bad = SEED.replace("difficulty: 3", "difficulty: hard").replace(
        "  step: 15s\n", "  step: 15s\n  tick: 1\n", 1
    )
    bad = bad.replace("duration: 45m", "duration: forever")
    (tmp_path / "bad.yaml").write_text(bad)
    (tmp_path / "broken.yaml").write_text("id: [unclosed\n")
    r = run_cli("validate", str(tmp_path))
    assert r.returncode == 2
    assert "Traceback" not in r.stderr
    errors = [line for line in r.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 4
    assert any("bad.yaml:" in e and "difficulty" in e for e in errors)
    assert any("clock.tick" in e for e in errors)
    assert any("bad duration 'forever'" in e for e in errors)
    assert any("broken.yaml:" in e and "YAML syntax error" in e for e in errors)


def test_schema_prints_json_schema_for_scenarios():
    import json

    r = run_cli("schema", "scenario")
    assert r.returncode == 0
    schema = json.loads(r.stdout)
    assert "clock" in schema["properties"] and schema["additionalProperties"] is False


def test_schema_of_an_unknown_format_is_a_clear_error():
    r = run_cli("schema", "nonsense")
    assert r.returncode == 2 and "unknown schema 'nonsense'" in r.stderr


def test_an_expression_outside_the_promql_subset_is_a_located_validation_error():
    text = SEED.replace(
        'expr: db_connection_pool_utilization{service="api"} > 0.8',
        'expr: predict_linear(db_connection_pool_utilization{service="api"}[1h], 3600) > 0.8',
    )
    [p] = problems_of(text)
    assert p.field == "rules.groups[0].rules[0].expr"
    assert 'unsupported function "predict_linear"' in p.message and "column 1" in p.message
    assert (
        p.line
        == text.splitlines().index(
            '          expr: predict_linear(db_connection_pool_utilization{service="api"}[1h], 3600) > 0.8'
        )
        + 1
    )
