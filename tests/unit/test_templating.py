"""Annotation templates render exactly as Prometheus renders them (Go formatting)."""

from __future__ import annotations

import pytest

from simulator.templating import expand, go_float, humanize, humanize_duration, humanize_percentage, render


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1e6, "1e+06"),
        (1234567.0, "1.234567e+06"),
        (123456.0, "123456"),
        (0.1, "0.1"),
        (1e-05, "1e-05"),
        (float("nan"), "NaN"),
        (float("inf"), "+Inf"),
        (0.30000000000000004, "0.30000000000000004"),
    ],
)
def test_value_prints_with_go_percent_v_formatting(value, text):
    assert go_float(value) == text


def test_humanize_functions_match_prometheus():
    assert humanize(1234567.0) == "1.235M"
    assert humanize(0.012) == "12m"
    assert humanize_percentage(0.1234) == "12.34%"
    assert humanize_duration(3725) == "1h 2m 5s"


def test_labels_value_pipelines_and_if_render():
    text = "{{ $labels.service }}: {{ $value | humanizePercentage }}{{ if gt $value 0.5 }} high{{ end }}"
    assert render(text, {"service": "api"}, 0.75) == "api: 75% high"


def test_missing_label_renders_empty_and_unsupported_action_is_an_error_text():
    assert render("[{{ $labels.nope }}]", {}, 1.0) == "[]"
    assert expand("{{ range $labels }}x{{ end }}", {}, 1.0).startswith("<error expanding template:")
