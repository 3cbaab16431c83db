"""Streamlit views of the investigation consoles, shared by the Drill page and the Sandbox.

Each `render_*` takes a `ConsoleWorld` (the scenario as of now) and `on_event(kind, detail)`, and
reports every deliberate look, query and action through it (kinds from `simulator.consoles`:
LOOK, MITIGATE, CONSOLE_ACTION). A console's last output is kept in session state *before* the
event is reported, because a page's handler may rerun the script at once. Rules live in
`simulator.consoles`; this module only lays them out. Everything shown is escaped (st.text,
st.code, st.dataframe; never unsafe HTML).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from simulator.consoles import (
    CONSOLE_ACTION,
    DASHBOARDS,
    DATABASE,
    DEPLOYS,
    INFRASTRUCTURE,
    LOGS,
    LOOK,
    MITIGATE,
    ConsoleWorld,
)
from simulator.consoles import dashboards as boards
from simulator.consoles import database as dbc
from simulator.consoles import deploys as dep
from simulator.consoles import infrastructure as infra
from simulator.consoles.logquery import (
    DEFAULT_WINDOW,
    MAX_QUERY_LENGTH,
    LogQueryError,
    example_queries,
    search,
)
from simulator.consoles.logs import field_columns, format_time, log_stream
from simulator.promql import MAX_EXPRESSION_CHARS

OnEvent = Callable[[str, dict[str, Any]], None]
TITLES = {
    DASHBOARDS: "Dashboards",
    LOGS: "Logs",
    DATABASE: "Database",
    DEPLOYS: "Deploys",
    INFRASTRUCTURE: "Infrastructure",
}
LOG_RANGES = {
    "Last 15 minutes": DEFAULT_WINDOW,  # the default, first in the list
    "Last 30 minutes": 1800.0,
    "Last hour": 3600.0,
    "Last 4 hours": 14400.0,
}
HISTORY = 8  # psql / git outputs kept on screen


def _state(key: str, default: Any) -> Any:
    if key not in st.session_state:
        st.session_state[key] = default
    return st.session_state[key]


def _hhmm(world: ConsoleWorld, offset: float | None = None) -> str:
    return world.wall(world.now if offset is None else offset).strftime("%H:%M:%S")


def _opener(world: ConsoleWorld, on_event: OnEvent, key: str, console: str, label: str, detail: str) -> bool:
    """A console starts closed, like a tool not yet opened; opening it is a look."""
    flag = f"{key}_{console}_open"
    if st.session_state.get(flag):
        return True
    if st.button(label, key=f"{flag}_btn", icon=":material/open_in_new:"):
        st.session_state[flag] = True
        on_event(LOOK, {"console": console, "detail": detail, "at": world.now})
        return True
    return False


def _fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "no data"
    if unit == "ratio":
        return f"{value:.0%}"
    if unit == "seconds":
        return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"
    if unit == "bytes":
        return f"{value / 1e9:.2f} GB"
    if unit in ("req/s", "errors/s"):
        return f"{value * 60:,.0f}/min"
    return f"{value:,.3g}"


# --- dashboards -----------------------------------------------------------------------------


def render_dashboards(world: ConsoleWorld, on_event: OnEvent, key: str = "consoles") -> None:
    """Grafana's Production Health board with a time range, thresholds and an Explore box."""
    if not _opener(
        world, on_event, key, DASHBOARDS, "Open the Production Health board", "Production Health board"
    ):
        st.caption("Grafana · the service's health board, with the alert thresholds drawn on the panels.")
        return
    head, picker = st.columns([3, 2])
    head.markdown(f"**{boards.BOARD_TITLE}** · service `{world.scenario.service}` · as of {_hhmm(world)} UTC")
    range_label = picker.segmented_control(
        "Time range",
        list(boards.RANGES),
        default="30m",
        key=f"{key}_dash_range",
        label_visibility="collapsed",
    )
    range_label = range_label or "30m"
    seen_key = f"{key}_dash_range_seen"
    if st.session_state.get(seen_key, "30m") != range_label:
        st.session_state[seen_key] = range_label
        on_event(LOOK, {"console": DASHBOARDS, "detail": f"board, last {range_label}", "at": world.now})
    seconds = boards.RANGES[range_label]
    panels = boards.production_health(world.loaded)
    drawn = [(p, boards.panel_lines(world, p, seconds)) for p in panels]
    stats = st.columns(len(drawn) or 1)
    for col, (panel, lines) in zip(stats, drawn, strict=False):
        unit = panel.queries[0].unit if panel.queries else ""
        over = boards.breached(panel, lines)
        col.metric(
            panel.title,
            _fmt(boards.latest(lines), unit),
            delta="above threshold" if over else None,
            delta_color="inverse" if over else "off",
            border=True,
        )
    cols = st.columns(2)
    for i, (panel, lines) in enumerate(drawn):
        fig = boards.figure(panel.title, lines, panel.thresholds, world=world, range_seconds=seconds)
        cols[i % 2].plotly_chart(fig, key=f"{key}_panel_{i}", config={"displayModeBar": False})
    _explore(world, on_event, key, seconds)


def _explore(world: ConsoleWorld, on_event: OnEvent, key: str, seconds: float) -> None:
    st.markdown("**Explore** · PromQL over the same data")
    with st.form(f"{key}_explore_form"):
        expr = st.text_input(
            "PromQL",
            key=f"{key}_explore_expr",
            max_chars=MAX_EXPRESSION_CHARS,
            placeholder="sum by (service) (rate(http_requests_total[5m]))",
        )
        run = st.form_submit_button("Run query", icon=":material/play_arrow:")
    out_key = f"{key}_explore_out"
    if run and expr.strip():
        try:
            lines = boards.evaluate_lines(world, expr.strip(), seconds)
            st.session_state[out_key] = {
                "expr": expr.strip(),
                "lines": lines,
                "error": None,
                "now": world.now,
            }
        except Exception as exc:  # the engine's PromQLError / EvaluationError, worded for people
            st.session_state[out_key] = {
                "expr": expr.strip(),
                "lines": [],
                "error": str(exc),
                "now": world.now,
            }
        on_event(LOOK, {"console": DASHBOARDS, "detail": f"explore: {expr.strip()[:200]}", "at": world.now})
    out = st.session_state.get(out_key)
    if out:
        if out["error"]:
            st.error(f"PromQL error: {out['error']}", icon=":material/error:")
        else:
            st.plotly_chart(
                boards.figure(out["expr"], out["lines"], world=world, range_seconds=seconds),
                key=f"{key}_explore_chart",
                config={"displayModeBar": False},
            )
            st.caption(f"{len(out['lines'])} series")


# --- logs -----------------------------------------------------------------------------------


def _log_frame(world: ConsoleWorld) -> pd.DataFrame:
    return log_stream(world.scenario, world.seed, world.now, ended_effects=world.ended_effects)


def render_logs(world: ConsoleWorld, on_event: OnEvent, key: str = "consoles") -> None:
    """Kibana Discover: a Lucene query, a time range, a histogram of hits and the lines."""
    # Examples drawn from the lines in the default window, so each one finds something when tried.
    examples = example_queries(
        _log_frame(world), world.scenario.service, world.now - DEFAULT_WINDOW, world.now
    )
    st.caption(
        "Elasticsearch · application logs. Query like Kibana: "
        + ", ".join(f"`{q.replace('`', '')}`" for q in examples)
        + "."
    )
    with st.form(f"{key}_logs_form"):
        q, r = st.columns([4, 1])
        query = q.text_input(
            "Search",
            key=f"{key}_logs_query",
            placeholder="level:ERROR AND service:api",
            max_chars=MAX_QUERY_LENGTH,
        )
        range_label = r.selectbox("Time range", list(LOG_RANGES), key=f"{key}_logs_range")
        submitted = st.form_submit_button("Search logs", icon=":material/search:")
    out_key = f"{key}_logs_out"
    if submitted:
        frame = _log_frame(world)
        start = world.now - LOG_RANGES[range_label]
        try:
            result = search(frame, query, start=start, end=world.now, limit=200)
            st.session_state[out_key] = {
                "query": query,
                "range": range_label,
                "error": None,
                "pos": None,
                "total": result.total,
                "rows": _display_rows(result.rows),
                "hist": result.histogram,
                "interval": result.interval,
                "now": world.now,
            }
            detail = f'search "{query}" ({range_label.lower()}): {result.total} hits'
        except LogQueryError as exc:
            st.session_state[out_key] = {
                "query": query,
                "range": range_label,
                "error": exc.message,
                "pos": exc.position,
                "now": world.now,
            }
            detail = f'search "{query}": syntax error'
        on_event(LOOK, {"console": LOGS, "detail": detail[:300], "query": query, "at": world.now})
    out = st.session_state.get(out_key)
    if not out:
        return
    if out["error"]:
        st.error(f"Query error at position {out['pos']}: {out['error']}", icon=":material/error:")
        st.code(out["query"] + "\n" + " " * (out["pos"] - 1) + "^", language=None)
        return
    st.markdown(f"**{out['total']:,} hits** · {out['range'].lower()} up to {_hhmm(world, out['now'])} UTC")
    hist = out["hist"]
    fig = go.Figure(
        go.Bar(
            x=hist["time"],
            y=hist["count"],
            marker_color="#54b399",
            hovertemplate="%{x|%H:%M:%S}: %{y}<extra></extra>",
        )
    )
    fig.update_layout(
        height=150,
        margin=dict(l=10, r=10, t=10, b=10),
        bargap=0.05,
        yaxis_title=f"per {int(out['interval'])} s",
    )
    st.plotly_chart(fig, key=f"{key}_logs_hist", config={"displayModeBar": False})
    st.dataframe(
        out["rows"],
        hide_index=True,
        key=f"{key}_logs_table",
        height=380,
        column_config={"message": st.column_config.TextColumn(width="large")},
    )
    if out["total"] > len(out["rows"]):
        st.caption(
            f"Showing the newest {len(out['rows'])} of {out['total']:,}; narrow the query to see others."
        )


def _display_rows(rows: pd.DataFrame) -> pd.DataFrame:
    fields = field_columns(rows)
    out = pd.DataFrame(
        {
            "time": format_time(rows) if len(rows) else pd.Series([], dtype=str),
            "level": rows["level"],
            "service": rows["service"],
            "host": rows["host"],
            "request_id": rows["request_id"],
            "message": rows["message"],
        }
    )
    out["fields"] = (
        [" ".join(f"{f}={row[f]}" for f in fields if row.get(f) is not None) for _, row in rows.iterrows()]
        if len(rows)
        else []
    )
    return out.reset_index(drop=True)


# --- database -------------------------------------------------------------------------------


def render_database(world: ConsoleWorld, on_event: OnEvent, key: str = "consoles") -> None:
    """A psql prompt on the primary database, as of now."""
    st.caption(
        "psql · `oncall@rds-primary/app`. Read-only, except `pg_cancel_backend(pid)` and "
        "`pg_terminate_backend(pid)`. `\\dt` lists the views, `\\?` shows examples."
    )
    history: list[dict] = _state(f"{key}_db_history", [])
    with st.form(f"{key}_db_form"):
        sql = st.text_area(
            "SQL",
            key=f"{key}_db_sql",
            max_chars=dbc.MAX_QUERY_CHARS,
            height=110,
            placeholder="SELECT pid, usename, state, now() - query_start AS runtime, left(query, 60)\n"
            "  FROM pg_stat_activity WHERE state <> 'idle' ORDER BY runtime DESC;",
        )
        run = st.form_submit_button("Run", icon=":material/play_arrow:")
    if run and sql.strip():
        result = dbc.DatabaseConsole(world).execute(sql)
        history.append({"sql": sql.strip(), "text": result.psql_text(), "at": world.now, "ok": result.ok})
        del history[:-HISTORY]
        st.session_state[f"{key}_db_history"] = history
        _report_db(world, on_event, sql.strip(), result)
    for entry in reversed(history):
        st.code(f"app=> {entry['sql']}\n{entry['text']}", language=None)
        st.caption(f"ran at {_hhmm(world, entry['at'])} UTC")


def _report_db(world: ConsoleWorld, on_event: OnEvent, sql: str, result: dbc.QueryResult) -> None:
    a = result.action
    if a is None:
        on_event(LOOK, {"console": DATABASE, "detail": f"SQL: {sql[:280]}", "sql": sql, "at": world.now})
        return
    verb = "pg_terminate_backend" if a.kind == "terminate" else "pg_cancel_backend"
    detail = (
        f"{verb} on {len(a.pids)} backend{'s' if len(a.pids) != 1 else ''} (pid {', '.join(map(str, a.pids[:5]))}"
        + (", …)" if len(a.pids) > 5 else ")")
    )
    payload = {
        "console": DATABASE,
        "detail": detail,
        "sql": sql,
        "pids": list(a.pids),
        "kind": a.kind,
        "at": world.now,
    }
    if a.mitigation:
        on_event(MITIGATE, {**payload, "mitigation": a.mitigation})
    else:
        on_event(CONSOLE_ACTION, payload)


# --- deploys --------------------------------------------------------------------------------


def render_deploys(world: ConsoleWorld, on_event: OnEvent, key: str = "consoles") -> None:
    """A terminal in the deploy repository: git log, git show, git revert."""
    st.caption(
        "git · the deploy repository. `git log --oneline`, `git log --stat -n 5`, `git show <sha>`, "
        "`git revert <sha>` (reverting deploys the revert)."
    )
    history: list[dict] = _state(f"{key}_git_history", [])
    with st.form(f"{key}_git_form"):
        cmd = st.text_input("Command", key=f"{key}_git_cmd", placeholder="git log --oneline")
        run = st.form_submit_button("Run", icon=":material/terminal:")
    if st.button("Show recent deploys", key=f"{key}_git_recent", icon=":material/history:"):
        cmd, run = "git log --stat -n 8", True
    if run and cmd.strip():
        result = dep.run_git(world, cmd)
        history.append({"cmd": cmd.strip(), "text": result.error or result.text, "at": world.now})
        del history[:-HISTORY]
        st.session_state[f"{key}_git_history"] = history
        if result.action is not None:
            a = result.action
            payload = {
                "console": DEPLOYS,
                "detail": f"git revert {a.sha[:7]} ({a.message[:120]})",
                "sha": a.sha,
                "at": world.now,
            }
            on_event(
                MITIGATE if a.mitigation else CONSOLE_ACTION,
                {**payload, "mitigation": a.mitigation} if a.mitigation else payload,
            )
        else:
            on_event(LOOK, {"console": DEPLOYS, "detail": cmd.strip()[:300], "at": world.now})
    for entry in reversed(history):
        st.code(f"$ {entry['cmd']}\n{entry['text']}", language=None)


# --- infrastructure -------------------------------------------------------------------------

_ICONS = {
    "operational": "🟢",
    "degraded": "🟡",
    "degraded_performance": "🟡",
    "maintenance": "🔵",
    "partial_outage": "🟠",
    "major_outage": "🔴",
}


def render_infrastructure(world: ConsoleWorld, on_event: OnEvent, key: str = "consoles") -> None:
    """AWS Health for the account's resources, and the vendors' status pages."""
    left, right = st.columns(2)
    with left:
        st.markdown("**AWS console** · us-east-1")
        if _opener(world, on_event, key, INFRASTRUCTURE, "Open AWS Health", "AWS resource health"):
            rows = [
                {
                    "": _ICONS.get(c.status, ""),
                    "resource": c.component,
                    "service": c.service,
                    "status": c.label,
                    "since": c.since.strftime("%H:%M UTC") if c.since else "",
                    "details": c.message,
                }
                for c in infra.components(world)
            ]
            st.dataframe(pd.DataFrame(rows), hide_index=True, key=f"{key}_aws_table")
            st.caption(f"As of {_hhmm(world)} UTC.")
    with right:
        st.markdown("**Third-party status pages**")
        if _opener(
            world,
            on_event,
            f"{key}_vendors",
            INFRASTRUCTURE,
            "Check vendor status pages",
            "third-party status pages",
        ):
            rows = [
                {
                    "": _ICONS.get(v.status, ""),
                    "vendor": v.name,
                    "status": v.label,
                    "since": v.since.strftime("%H:%M UTC") if v.since else "",
                    "details": v.message,
                }
                for v in infra.vendors(world)
            ]
            st.dataframe(pd.DataFrame(rows), hide_index=True, key=f"{key}_vendor_table")


# --- all together ---------------------------------------------------------------------------

RENDERERS: dict[str, Callable[[ConsoleWorld, OnEvent, str], None]] = {
    DASHBOARDS: render_dashboards,
    LOGS: render_logs,
    DATABASE: render_database,
    DEPLOYS: render_deploys,
    INFRASTRUCTURE: render_infrastructure,
}


def render_consoles(world: ConsoleWorld, on_event: OnEvent, key: str = "consoles") -> None:
    """All five consoles as tabs; only the open tab runs (the others cost nothing)."""
    titles = [TITLES[c] for c in RENDERERS]
    tabs = st.tabs(titles, key=f"{key}_tabs", on_change="rerun")
    for tab, render in zip(tabs, RENDERERS.values(), strict=True):
        if tab.open is False:
            continue
        with tab:
            render(world, on_event, key)
