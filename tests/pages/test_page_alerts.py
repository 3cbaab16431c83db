"""The Alerts page under AppTest: alert bands, the notification stream, the PromQL box, roles."""

from __future__ import annotations

from simulator.scenario import load_scenario
from tests.helpers import ROOT, app_test


def _first_alert(scenario: str) -> str:
    """How the scenario's first alerting rule heads its notification: "SEVERITY Name"."""
    loaded = load_scenario(ROOT / "scenarios" / f"{scenario}.yaml")
    rule = next(r for g in loaded.rule_groups for r in g.rules if getattr(r, "alert", None))
    return f"{rule.labels['severity'].upper()} {rule.alert}"


def _query(at, expr: str):
    at.text_area(key="alerts_promql_db-pool-exhaustion").set_value(expr)
    next(b for b in at.button if b.label == "Run query").click().run()
    assert not at.exception, at.exception
    return at


def _open(scenario: str, role: str = "trainee"):
    at = app_test("pages/alerts.py", role=role, query_params={"scenario": scenario}, timeout=60)
    at.run()
    assert not at.exception, at.exception
    return at


def test_a_trainee_sees_the_alert_bands_metrics_and_notifications_of_a_scenario():
    at = _open("db-pool-exhaustion")
    assert at.selectbox(key="alerts_scenario").value == "db-pool-exhaustion"
    assert [s.value for s in at.subheader][:3] == ["Alert timeline", "Metrics", "Notifications"]
    assert len(at.get("plotly_chart")) >= 5  # the band strip, the panels and the query result
    messages = [t.value for t in at.text]
    assert any(
        m.startswith(f"[FIRING:1] {_first_alert('db-pool-exhaustion')}") and "Runbook: https://" in m
        for m in messages
    )


def test_a_false_positive_shows_the_page_and_then_the_resolved_message():
    at = _open("scrape-glitch-false-positive")
    heads = [t.value.splitlines()[0] for t in at.text]
    assert any(h.startswith(f"[FIRING:1] {_first_alert('scrape-glitch-false-positive')}") for h in heads)
    assert any(h.startswith("[RESOLVED]") for h in heads)


def test_filtering_channels_leaves_only_the_chosen_ones():
    at = _open("db-pool-exhaustion")
    at.multiselect(key="alerts_channels").set_value(["pager"]).run()
    table = next(d.value for d in at.dataframe if "channel" in d.value.columns)
    assert set(table["channel"]) == {"pager"}
    headers = [m.value for m in at.markdown if " · `" in m.value]
    assert headers and all("**pager**" in h for h in headers)


def test_a_bad_query_is_an_error_naming_its_position_not_a_traceback():
    at = _open("db-pool-exhaustion")
    _query(at, 'rate(http_requests_total{service="api"}[5m]')
    assert at.error and "column" in at.error[0].value
    assert any("^" in c.value for c in at.code)


def test_a_good_query_is_charted():
    at = _open("db-pool-exhaustion")
    before = len(at.get("plotly_chart"))
    _query(at, "sum by (service) (rate(http_requests_total[5m]))")
    assert not at.error
    assert "1 series." in [c.value for c in at.caption]
    assert len(at.get("plotly_chart")) == before


def test_a_trainee_never_sees_incident_windows_or_the_answer():
    at = _open("db-pool-exhaustion")
    captions = " ".join(c.value for c in at.caption)
    assert "incident windows" not in captions
    everything = " ".join(str(e.value) for e in at.markdown) + " ".join(t.value for t in at.text)
    assert "root cause" not in everything.lower()


def test_a_trainer_also_sees_the_incident_windows():
    at = _open("db-pool-exhaustion", role="trainer")
    assert any("incident windows" in c.value for c in at.caption)


def test_a_new_seed_changes_the_run_but_not_the_page():
    at = _open("latency-elevation")
    at.number_input(key="alerts_seed_latency-elevation").set_value(12345).run()
    assert not at.exception
    assert len(at.get("plotly_chart")) >= 3
