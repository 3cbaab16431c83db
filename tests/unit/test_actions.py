"""The responses format: every action validates, bad input is located, ids are checked against the scenario."""

from __future__ import annotations

import pytest

from simulator import formats
from simulator.actions import ACTION_NAMES, json_schema, load_responses, parse_action, validate_responses_text
from simulator.yamlio import FormatError


def test_a_bare_list_and_a_mapping_with_actions_are_both_accepted():
    a = validate_responses_text("- {at: 9m, action: acknowledge}\n")
    b = validate_responses_text("scenario: x\nactions:\n  - {at: 9m, action: acknowledge}\n")
    assert a.timed()[0][0] == b.timed()[0][0] == 540.0


def test_actions_come_back_in_time_order():
    r = validate_responses_text("- {at: 10m, action: verify}\n- {at: 2m, action: acknowledge}\n")
    assert [a.action for _, a in r.timed()] == ["acknowledge", "verify"]


def test_an_unknown_action_names_the_line_and_the_allowed_actions():
    with pytest.raises(FormatError) as exc:
        validate_responses_text("- {at: 1m, action: acknowledge}\n- {at: 2m, action: panic}\n", "r.yaml")
    text = str(exc.value)
    assert "r.yaml:2" in text and "acknowledge" in text and "panic" in text


def test_a_bad_severity_says_what_is_allowed():
    with pytest.raises(FormatError) as exc:
        validate_responses_text("- {at: 1m, action: classify, severity: HUGE}\n", "r.yaml")
    assert "CRITICAL" in str(exc.value) and "HUGE" in str(exc.value)


def test_mitigation_and_hypothesis_ids_are_checked_against_the_scenario(pool_scenario):
    text = "- {at: 1m, action: mitigate, mitigation: reboot-everything}\n- {at: 2m, action: hypothesis, option: aliens}\n"
    with pytest.raises(FormatError) as exc:
        load_responses(text, "r.yaml", pool_scenario.scenario)
    msg = str(exc.value)
    assert "kill-query" in msg and "bulk-query" in msg and "r.yaml:1" in msg and "r.yaml:2" in msg


def test_every_action_name_parses_from_an_event_payload():
    samples = {
        "judge": {"verdict": "real"},
        "classify": {"severity": "HIGH"},
        "open_channel": {"name": "#x"},
        "escalate": {"role": "manager"},
        "post_update": {"text": "hi"},
        "status_page": {"status": "Identified"},
        "notify_customers": {"subject": "s", "body": "b"},
        "hypothesis": {"option": "a"},
        "mitigate": {"mitigation": "m"},
        "look": {"console": "logs"},
        "write_report": {"markdown": "# r"},
        "bridge_update": {"text": "still mitigating; next bridge update in 5 min"},
        "announce_resolution": {"text": "Issue resolved at 14:32 UTC"},
    }
    for name in ACTION_NAMES:
        assert parse_action({"action": name, **samples.get(name, {})}).action == name


def test_the_responses_format_is_registered_with_a_schema():
    assert formats.schema("responses") == json_schema()
    assert "actions" in json_schema()["properties"]
