"""Routing and notifications: who hears about an alert, on which channel, and when.

Timelines here are small hand-written ones (the shape simulator.alerts produces) so each test
shows one Alertmanager rule; the last tests run the real alert engine on built-in scenarios.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest

from simulator.routing import (
    fingerprint,
    load_config,
    match_routes,
    notifications,
    parse_config,
    scenario_notifications,
)
from simulator.yamlio import FormatError
from tests.cli import run_cli
from tests.conftest import ROOT, SCENARIOS

START = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)


@dataclass
class Ep:
    pending_at: float
    firing_at: float | None
    resolved_at: float | None
    value_at_firing: float = 0.93
    annotations: dict = field(default_factory=lambda: {"summary": "pool above 80%"})


@dataclass
class Alert:
    name: str
    labels: dict
    episodes: list


@dataclass
class Timeline:
    alerts: list
    ticks: list = field(default_factory=lambda: [0.0, 3000.0])


def alert(name: str, episodes: list[Ep], **labels: str) -> Alert:
    return Alert(name, {"alertname": name, **labels}, episodes)


CONFIG = """
route:
  receiver: chat
  group_by: [alertname, service]
  group_wait: 30s
  group_interval: 5m
  repeat_interval: 1h
  routes:
    - receiver: pager
      matchers: ['severity="critical"']
      continue: true
    - receiver: tickets
      match: {severity: low}
      group_by: ['...']
    # Without this the critical alert would stop at the pager: a route with continue that
    # matched means the root no longer takes the alert itself.
    - receiver: chat
      matchers: ['severity="critical"']
inhibit_rules:
  - source_matchers: ['severity="critical"']
    target_matchers: ['severity="warning"']
    equal: [alertname, service]
receivers:
  - name: chat
    slack_configs: [{api_url: 'http://chat.example/hook', channel: '#monitoring', send_resolved: true}]
  - name: pager
    pagerduty_configs: [{routing_key: k}]
  - name: tickets
    webhook_configs: [{url: 'http://tickets.example/', send_resolved: false}]
"""


@pytest.fixture(scope="module")
def config():
    return parse_config(CONFIG, "test.yml")


def sent(ns, receiver=None):
    return [
        (n.at, n.receiver, n.status, sorted(a.fingerprint for a in n.alerts))
        for n in ns
        if receiver is None or n.receiver == receiver
    ]


# --- routing -----------------------------------------------------------------------------------


def test_a_critical_alert_pages_and_continues_to_the_chat_route(config):
    assert match_routes(config, {"severity": "critical", "service": "api"}) == ["pager", "chat"]


def test_an_alert_no_child_route_matches_goes_to_the_root_receiver(config):
    assert match_routes(config, {"severity": "medium"}) == ["chat"]


def test_a_continue_route_that_matched_keeps_the_root_from_taking_the_alert():
    cfg = parse_config("""
route:
  receiver: root
  routes:
    - {receiver: security, matchers: ['category="security"'], continue: true}
    - {receiver: pager, matchers: ['severity="critical"']}
receivers: [{name: root}, {name: security}, {name: pager}]
""")
    assert match_routes(cfg, {"category": "security", "severity": "low"}) == ["security"]


def test_matching_stops_at_the_first_matching_route_without_continue():
    cfg = parse_config("""
route:
  receiver: root
  routes:
    - {receiver: first, matchers: ['team=~"plat.*"']}
    - {receiver: second, matchers: ['team="platform"']}
receivers: [{name: root}, {name: first}, {name: second}]
""")
    assert match_routes(cfg, {"team": "platform"}) == ["first"]
    # Regexes are anchored: "xplatform" does not match plat.*
    assert match_routes(cfg, {"team": "xplatform"}) == ["root"]


def test_a_matching_parent_with_no_matching_child_takes_the_alert_itself():
    cfg = parse_config("""
route:
  receiver: root
  routes:
    - receiver: db
      matchers: ['service="db"']
      routes:
        - {receiver: db-pager, matchers: ['severity="critical"']}
receivers: [{name: root}, {name: db}, {name: db-pager}]
""")
    assert match_routes(cfg, {"service": "db", "severity": "critical"}) == ["db-pager"]
    assert match_routes(cfg, {"service": "db", "severity": "low"}) == ["db"]


def test_a_child_route_inherits_receiver_grouping_and_timers():
    cfg = parse_config("""
route:
  receiver: root
  group_by: [service]
  group_wait: 1m
  routes:
    - matchers: ['severity!="low"']
      repeat_interval: 2h
receivers: [{name: root}]
""")
    from simulator.routing import route_tree

    child = route_tree(cfg).match({"severity": "high"})[0]
    assert (
        child.receiver,
        set(child.group_by),
        child.group_wait,
        child.group_interval,
        child.repeat_interval,
    ) == ("root", {"service"}, 60.0, 300.0, 7200.0)


def test_a_missing_label_matches_an_empty_value_matcher():
    cfg = parse_config("""
route:
  receiver: root
  routes:
    - {receiver: unlabelled, matchers: ['team=""']}
receivers: [{name: root}, {name: unlabelled}]
""")
    assert match_routes(cfg, {"severity": "low"}) == ["unlabelled"]
    assert match_routes(cfg, {"team": "x"}) == ["root"]


def test_the_team_config_sends_security_alerts_to_the_security_lead_as_well():
    cfg = load_config()
    assert match_routes(cfg, {"severity": "high", "team": "security", "service": "api"}) == [
        "security-pager",
        "oncall-pager",
        "incidents-chat",
    ]
    assert match_routes(cfg, {"severity": "medium", "service": "api"}) == ["monitoring-chat"]
    assert match_routes(cfg, {"severity": "low", "service": "api"}) == ["ticket-queue"]


# --- config errors -----------------------------------------------------------------------------


def test_an_undefined_receiver_is_reported_at_its_line():
    text = "route:\n  receiver: a\n  routes:\n    - receiver: nobody\nreceivers:\n  - name: a\n"
    with pytest.raises(FormatError) as err:
        parse_config(text, "am.yml")
    assert "am.yml:4:" in str(err.value) and "undefined receiver 'nobody'" in str(err.value)


def test_a_bad_matcher_names_the_field_and_what_is_wrong():
    text = "route:\n  receiver: a\n  routes:\n    - matchers: ['severity=\"crit']\nreceivers: [{name: a}]\n"
    with pytest.raises(FormatError) as err:
        parse_config(text, "am.yml")
    problem = err.value.problems[0]
    assert (
        problem.line == 4
        and "route.routes[0].matchers" in problem.field
        and "double quote" in problem.message
    )


def test_an_unknown_key_is_refused_with_the_allowed_keys():
    with pytest.raises(FormatError) as err:
        parse_config("route:\n  receiver: a\n  group_wiat: 1m\nreceivers: [{name: a}]\n", "am.yml")
    assert "unknown key 'group_wiat'" in str(err.value) and "group_wait" in str(err.value)


def test_a_go_incompatible_regex_is_refused():
    with pytest.raises(FormatError, match="RE2"):
        parse_config(
            "route:\n  receiver: a\n  routes: [{matchers: ['x=~\"(?!a).*\"']}]\nreceivers: [{name: a}]\n"
        )


def test_firedrill_validate_accepts_the_team_config():
    proc = run_cli("validate", str(ROOT / "data" / "alertmanager.yml"))
    assert proc.returncode == 0, proc.stdout + proc.stderr


# --- timing --------------------------------------------------------------------------------------


def test_the_first_notification_waits_group_wait_after_the_group_is_created(config):
    tl = Timeline([alert("PoolHigh", [Ep(0, 100, None)], severity="medium", service="api")])
    assert [(n.at, n.receiver, n.status) for n in notifications(config, tl, START)] == [
        (130.0, "chat", "firing")
    ]


def test_a_second_alert_joining_a_group_waits_for_the_group_interval_tick(config):
    tl = Timeline(
        [
            alert("PoolHigh", [Ep(0, 100, None)], severity="medium", service="api", instance="a"),
            alert("PoolHigh", [Ep(0, 200, None)], severity="medium", service="api", instance="b"),
        ]
    )
    ns = notifications(config, tl, START)
    assert [(n.at, len(n.alerts)) for n in ns] == [(130.0, 1), (430.0, 2)]


def test_alerts_for_different_services_are_notified_separately(config):
    tl = Timeline(
        [
            alert("PoolHigh", [Ep(0, 100, None)], severity="medium", service="api"),
            alert("PoolHigh", [Ep(0, 110, None)], severity="medium", service="web"),
        ]
    )
    assert [(n.at, n.alerts[0].labels["service"]) for n in notifications(config, tl, START)] == [
        (130.0, "api"),
        (140.0, "web"),
    ]


def test_a_resolved_alert_is_announced_at_the_next_group_interval_tick(config):
    tl = Timeline([alert("PoolHigh", [Ep(0, 100, 700)], severity="medium", service="api")])
    ns = notifications(config, tl, START)
    assert [(n.at, n.status) for n in ns] == [(130.0, "firing"), (730.0, "resolved")]
    assert ns[1].webhook["alerts"][0]["endsAt"] == "2026-03-10T14:11:40Z"


def test_a_receiver_without_send_resolved_hears_nothing_when_the_alert_ends(config):
    tl = Timeline([alert("DiskFilling", [Ep(0, 100, 700)], severity="low", service="api")])
    assert [(n.at, n.receiver, n.status) for n in notifications(config, tl, START)] == [
        (130.0, "tickets", "firing")
    ]


def test_an_alert_that_fires_and_resolves_within_group_wait_is_never_sent(config):
    tl = Timeline([alert("Blip", [Ep(0, 100, 115)], severity="medium", service="api")])
    assert notifications(config, tl, START) == []


def test_an_unchanged_firing_alert_is_repeated_after_repeat_interval(config):
    tl = Timeline([alert("PoolHigh", [Ep(0, 100, None)], severity="medium", service="api")], ticks=[0, 8000])
    ns = notifications(config, tl, START)
    # 1 h repeat_interval on a 5 m ticker: the first tick strictly more than 1 h after the last send.
    assert [(n.at, n.repeat) for n in ns] == [
        (130.0, False),
        (130.0 + 13 * 300, True),
        (130.0 + 26 * 300, True),
    ]


def test_a_critical_alert_inhibits_its_warning_twin_for_the_same_service(config):
    tl = Timeline(
        [
            alert("PoolHigh", [Ep(0, 100, None)], severity="critical", service="api"),
            alert("PoolHigh", [Ep(0, 100, None)], severity="warning", service="api"),
            alert("PoolHigh", [Ep(0, 100, None)], severity="warning", service="web"),
        ]
    )
    ns = notifications(config, tl, START)
    chat = [n for n in ns if n.receiver == "chat"]
    shown = sorted((a.labels["severity"], a.labels["service"]) for n in chat for a in n.alerts)
    assert shown == [("critical", "api"), ("warning", "web")]


def test_inhibition_ends_when_the_source_alert_resolves(config):
    tl = Timeline(
        [
            alert("PoolHigh", [Ep(0, 100, 400)], severity="critical", service="api"),
            alert("PoolHigh", [Ep(0, 100, None)], severity="warning", service="api"),
        ]
    )
    chat = [n for n in notifications(config, tl, START) if n.receiver == "chat"]
    warnings = [
        n.at
        for n in chat
        if any(a.labels["severity"] == "warning" and a.status == "firing" for a in n.alerts)
    ]
    assert warnings and warnings[0] == 430.0


def test_a_group_emptied_and_refired_waits_group_wait_again(config):
    tl = Timeline(
        [alert("PoolHigh", [Ep(0, 100, 200), Ep(900, 1000, None)], severity="medium", service="api")]
    )
    ns = notifications(config, tl, START)
    assert [(n.at, n.status) for n in ns] == [(130.0, "firing"), (430.0, "resolved"), (1030.0, "firing")]


def test_nothing_after_until_is_sent(config):
    tl = Timeline([alert("PoolHigh", [Ep(0, 100, 700)], severity="medium", service="api")])
    assert [n.at for n in notifications(config, tl, START, until=500)] == [130.0]


# --- what is sent --------------------------------------------------------------------------------


def test_the_webhook_payload_has_alertmanagers_version_4_shape(config):
    tl = Timeline([alert("PoolHigh", [Ep(0, 100, None)], severity="critical", service="api")])
    page = next(
        n for n in notifications(config, tl, START, exprs={"PoolHigh": "pool > 0.8"}) if n.receiver == "pager"
    )
    body = page.webhook
    assert list(body) == [
        "receiver",
        "status",
        "alerts",
        "groupLabels",
        "commonLabels",
        "commonAnnotations",
        "externalURL",
        "version",
        "groupKey",
        "truncatedAlerts",
    ]
    assert body["version"] == "4" and body["status"] == "firing" and body["truncatedAlerts"] == 0
    assert body["groupKey"] == '{}/{severity="critical"}:{alertname="PoolHigh", service="api"}'
    assert body["groupLabels"] == {"alertname": "PoolHigh", "service": "api"}
    a = body["alerts"][0]
    assert a["startsAt"] == "2026-03-10T14:01:40Z" and a["endsAt"] == "0001-01-01T00:00:00Z"
    assert a["generatorURL"].endswith("/graph?g0.expr=pool+%3E+0.8&g0.tab=1")
    assert re.fullmatch(r"[0-9a-f]{16}", a["fingerprint"])
    json.dumps(body)  # serialisable as sent


def test_fingerprints_are_alertmanagers_fnv1a_of_the_sorted_labels():
    assert fingerprint({}) == "cbf29ce484222325"  # FNV-1a 64 offset basis: Prometheus' empty label set
    assert fingerprint({"b": "2", "a": "1"}) == fingerprint({"a": "1", "b": "2"})
    assert fingerprint({"a": "1"}) != fingerprint({"a": "2"})


def test_the_chat_message_shows_severity_service_summary_value_and_runbook(config):
    tl = Timeline([alert("PoolHigh", [Ep(0, 100, None, 0.9312)], severity="critical", service="api")])
    ns = notifications(config, tl, START, runbook="https://runbooks.example/pool")
    text = next(n for n in ns if n.receiver == "chat").chat_text
    assert text.splitlines()[0] == "[FIRING:1] CRITICAL PoolHigh — service api"
    assert "pool above 80% (value 0.9312)" in text
    assert "Runbook: https://runbooks.example/pool" in text


def test_channels_follow_the_receiver_integration(config):
    tl = Timeline(
        [
            alert("PoolHigh", [Ep(0, 100, None)], severity="critical", service="api"),
            alert("DiskFilling", [Ep(0, 100, None)], severity="low", service="api"),
        ]
    )
    assert {(n.receiver, n.channel) for n in notifications(config, tl, START)} == {
        ("pager", "pager"),
        ("chat", "chat"),
        ("tickets", "ticket"),
    }


# --- with the real alert engine -----------------------------------------------------------------


def test_a_false_positive_pages_and_then_tells_the_pager_it_resolved():
    from simulator.alerts import scenario_timeline
    from simulator.scenario import load_scenario
    from simulator.traces import generate_trace

    loaded = load_scenario(SCENARIOS / "scrape-glitch-false-positive.yaml")
    trace = generate_trace(loaded.scenario)
    timeline = scenario_timeline(loaded, trace)
    ns = scenario_notifications(loaded, timeline, trace.start)
    pages = [(n.status, n.at) for n in ns if n.channel == "pager"]
    ep = timeline.alerts[0].episodes[0]
    assert [s for s, _ in pages] == ["firing", "resolved"]
    assert pages[0][1] == ep.firing_at + 10  # the pager route's group_wait
    assert pages[1][1] > ep.resolved_at


def test_firedrill_alerts_prints_webhook_payloads_in_send_order():
    proc = run_cli("alerts", SCENARIOS / "db-pool-exhaustion.yaml", "--format", "webhook")
    assert proc.returncode == 0, proc.stderr
    lines = [json.loads(line) for line in proc.stdout.splitlines()]
    assert lines and [x["offset"] for x in lines] == sorted(x["offset"] for x in lines)
    assert {x["payload"]["version"] for x in lines} == {"4"}
    assert any(x["channel"] == "pager" for x in lines)


def test_without_an_end_the_simulation_stops_a_day_after_the_last_alert_event(config):
    tl = Timeline([alert("PoolHigh", [Ep(0, 100, None)], severity="medium", service="api")], ticks=[])
    ns = notifications(config, tl, START)
    assert ns[0].at == 130.0 and ns[-1].at <= 100 + 86400 and all(n.repeat for n in ns[1:])


def test_a_webhook_with_max_alerts_sends_the_first_ones_and_counts_the_rest():
    cfg = parse_config("""
route: {receiver: hook, group_by: [alertname]}
receivers:
  - name: hook
    webhook_configs: [{url: 'http://x/', max_alerts: 2}]
""")
    tl = Timeline([alert("Disk", [Ep(0, 10, None)], instance=f"i{i}") for i in range(5)])
    body = notifications(cfg, tl, START)[0].webhook
    assert len(body["alerts"]) == 2 and body["truncatedAlerts"] == 3


def test_the_json_schema_describes_the_route_tree():
    proc = run_cli("schema", "alertmanager")
    schema = json.loads(proc.stdout)
    assert "route" in schema["properties"] and "RouteConfig" in schema["$defs"]
    assert "continue" in schema["$defs"]["RouteConfig"]["properties"]


def test_the_team_config_does_not_page_twice_for_the_high_twin_of_a_critical_alert():
    tl = Timeline(
        [
            alert("APIErrors", [Ep(0, 100, None)], severity="critical", service="api"),
            alert("APIErrors", [Ep(0, 100, None)], severity="high", service="api"),
        ]
    )
    pages = [n for n in notifications(load_config(), tl, START) if n.receiver == "oncall-pager"]
    assert pages and {a.labels["severity"] for n in pages for a in n.alerts} == {"critical"}


def test_firedrill_validate_points_at_the_bad_line_of_a_routing_file(tmp_path):
    bad = tmp_path / "alertmanager.yml"
    bad.write_text("route:\n  receiver: pager\n  group_wait: soon\nreceivers:\n  - name: pager\n")
    proc = run_cli("validate", str(bad))
    assert proc.returncode == 2
    assert f"{bad}:3:" in proc.stdout + proc.stderr and "not a valid duration" in proc.stdout + proc.stderr
