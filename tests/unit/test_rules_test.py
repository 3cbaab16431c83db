"""`firedrill rules-test` runs promtool unit-test files: passes, fails usefully, refuses bad files."""

from __future__ import annotations

from pathlib import Path

from simulator.cli import main
from simulator.promtool_tests import expand_values

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "promtool"


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


def test_series_notation_accepts_plain_numbers_and_refuses_what_promtool_refuses():
    import pytest

    from simulator.promtool_tests import expand_values

    assert expand_values("1 -2.5 +.5 1e3 1E-2 3.") == [1.0, -2.5, 0.5, 1000.0, 0.01, 3.0]
    assert expand_values("1+1x2 _ stale Inf") == [1.0, 2.0, 3.0, None, "stale", float("inf")]
    for bad in ("1_000", "1\u0662", "infinity", "1+2", "1ee5"):
        with pytest.raises(ValueError):
            expand_values(bad)
