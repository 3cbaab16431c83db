"""The Consoles sandbox page under AppTest: each console works, and no answer is ever shown."""

from __future__ import annotations

from simulator.library import panels
from simulator.scenario import load_scenario
from tests.helpers import ROOT, app_test

PAGE = "pages/sandbox.py"


def sandbox(tab: str | None = None, minute: int = 10):
    at = app_test(PAGE, role="trainee", timeout=60)
    at.session_state["sandbox_scenario"] = "db-pool-exhaustion"
    at.session_state["sandbox_minute"] = minute
    if tab:
        at.session_state["sandbox_c_tabs"] = tab
    at.run()
    assert not at.exception, at.exception
    return at


def codes(at) -> str:
    return "\n".join(c.value for c in at.code)


def test_the_sandbox_opens_on_the_dashboards_of_the_chosen_scenario():
    at = sandbox()
    assert at.title[0].value == "Consoles sandbox"
    at.button(key="sandbox_c_dashboards_open_btn").click().run()
    assert not at.exception
    # One metric tile and one chart per panel the scenario's metrics name, in the file's order.
    expected = list(panels(load_scenario(ROOT / "scenarios" / "db-pool-exhaustion.yaml").scenario))
    assert [m.label for m in at.metric] == expected
    assert len(at.get("plotly_chart")) == len(expected)


def test_explore_runs_promql_and_reports_errors():
    at = sandbox()
    at.button(key="sandbox_c_dashboards_open_btn").click().run()
    at.text_input(key="sandbox_c_explore_expr").set_value("db_connection_pool_utilization")
    at.button(key="FormSubmitter:sandbox_c_explore_form-Run query").click().run()
    assert not at.exception
    assert any("1 series" in c.value for c in at.caption)
    at.text_input(key="sandbox_c_explore_expr").set_value("rate(http_requests_total[5m]")
    at.button(key="FormSubmitter:sandbox_c_explore_form-Run query").click().run()
    assert any("PromQL error" in e.value for e in at.error)


def test_a_log_search_shows_hits_and_a_syntax_error_shows_its_position():
    at = sandbox("Logs")
    at.text_input(key="sandbox_c_logs_query").set_value('"timed out acquiring"')
    at.button(key="FormSubmitter:sandbox_c_logs_form-Search logs").click().run()
    assert not at.exception
    hits = [m.value for m in at.markdown if "hits" in m.value]
    assert hits and not hits[0].startswith("**0 hits")
    table = at.dataframe[0].value
    assert table["message"].str.contains("timed out acquiring").all()
    at.text_input(key="sandbox_c_logs_query").set_value("level:ERROR AND")
    at.button(key="FormSubmitter:sandbox_c_logs_form-Search logs").click().run()
    assert any("position 13" in e.value for e in at.error)


def test_the_database_console_finds_and_terminates_the_bulk_query():
    at = sandbox("Database")
    at.text_area(key="sandbox_c_db_sql").set_value(
        "SELECT pid, usename, now() - query_start AS runtime FROM pg_stat_activity "
        "WHERE state = 'active' ORDER BY runtime DESC LIMIT 1"
    )
    at.button(key="FormSubmitter:sandbox_c_db_form-Run").click().run()
    assert "48213 | acme_analytics" in codes(at)
    at.text_area(key="sandbox_c_db_sql").set_value("SELECT pg_terminate_backend(48213)")
    at.button(key="FormSubmitter:sandbox_c_db_form-Run").click().run()
    assert not at.exception
    at.text_area(key="sandbox_c_db_sql").set_value(
        "SELECT count(*) AS bulk FROM pg_stat_activity WHERE usename = 'acme_analytics'"
    )
    at.button(key="FormSubmitter:sandbox_c_db_form-Run").click().run()
    assert codes(at).split("app=> ")[1].splitlines()[3].strip() == "0"


def test_git_log_and_revert_in_the_deploys_console():
    at = sandbox("Deploys")
    at.button(key="sandbox_c_git_recent").click().run()
    assert "Add bulk export endpoint for enterprise tenants" in codes(at)
    at.text_input(key="sandbox_c_git_cmd").set_value("git revert 9f2c1e4")
    at.button(key="FormSubmitter:sandbox_c_git_form-Run").click().run()
    assert not at.exception
    at.text_input(key="sandbox_c_git_cmd").set_value("git log --oneline -n 1")
    at.button(key="FormSubmitter:sandbox_c_git_form-Run").click().run()
    assert 'Revert "Add bulk export' in codes(at).split("$ ")[1]


def test_the_infrastructure_console_shows_the_degraded_database_and_vendor_pages():
    at = sandbox("Infrastructure")
    at.button(key="sandbox_c_infrastructure_open_btn").click().run()
    at.button(key="sandbox_c_vendors_infrastructure_open_btn").click().run()
    assert not at.exception
    aws, vendors = at.dataframe[0].value, at.dataframe[1].value
    assert aws.iloc[0]["resource"] == "rds-primary" and aws.iloc[0]["status"] == "Degraded"
    assert list(vendors["vendor"]) == ["Stripe", "AWS us-east-1"]


def test_before_the_incident_the_database_is_healthy():
    at = sandbox("Infrastructure", minute=2)
    at.button(key="sandbox_c_infrastructure_open_btn").click().run()
    assert set(at.dataframe[0].value["status"]) == {"Operational"}


def test_the_sandbox_never_shows_the_answer():
    at = sandbox()
    page_text = " ".join(
        [m.value for m in at.markdown] + [c.value for c in at.caption] + [i.value for i in at.info]
    )
    assert "root cause" not in page_text.lower()
    assert "unoptimised bulk export query held" not in page_text
    assert "kill-query" not in page_text


def test_looks_in_the_sandbox_count_as_navigation_evidence_for_sign_off():
    from simulator.store.curriculum import all_evidence
    from tests.helpers import test_store

    at = sandbox("Logs")
    at.text_input(key="sandbox_c_logs_query").set_value("level:ERROR")
    at.button(key="FormSubmitter:sandbox_c_logs_form-Search logs").click().run()
    assert not at.exception
    store = test_store()
    try:
        tools = {e.ref for e in all_evidence(store, "trainee1") if e.kind == "console"}
    finally:
        store.dispose()
    assert "elasticsearch" in tools
