"""`firedrill rules-test` runs promtool unit-test files: passes, fails usefully, refuses bad files."""

from __future__ import annotations

from pathlib import Path

from simulator.cli import main
from simulator.promtool_tests import expand_values

FIXTURES = Path(__file__).parent / "fixtures" / "promtool"


def test_documented_style_example_passes(capsys):
    assert main(["rules-test", str(FIXTURES / "example_test.yml")]) == 0
    assert "SUCCESS" in capsys.readouterr().out


def test_wrong_expectation_fails_showing_expected_and_got(capsys):
    assert main(["rules-test", str(FIXTURES / "wrong_test.yml")]) == 1
    err = capsys.readouterr().err
    assert "alertname: AnomalousRequests, time: 9m" in err
    assert 'Annotations:{summary="api has 7 requests in progress"}' in err


def test_unknown_key_is_a_bad_file_with_exit_two(tmp_path, capsys):
    bad = tmp_path / "t.yml"
    bad.write_text("rule_files: []\ntests:\n  - interval: 1m\n    input_serie: []\n")
    assert main(["rules-test", str(bad)]) == 2
    assert "input_serie" in capsys.readouterr().err


def test_expanding_notation():
    assert expand_values("1+2x2 _x2 stale 5-1x1 _") == [1.0, 3.0, 5.0, None, None, "stale", 5.0, 4.0, None]
