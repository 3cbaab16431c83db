"""The application log stream an on-call engineer searches in Elasticsearch/Kibana.

Owns generating realistic log lines — access logs, job and auth chatter, the odd harmless warning
— with Faker and numpy from the scenario and seed, and placing the scenario's evidence lines among
them. Deterministic: the same scenario and seed give the same lines, and a later `until` only adds
lines. Searching the lines is `logquery`'s job.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache

import numpy as np
import pandas as pd
from faker import Faker

from ..scenario import FractionOf, Scenario
from ..traces import generate_trace
from . import derived_seed

LEAD_IN = 15 * 60.0  # seconds of history before the scenario starts, so "now = 0" is not empty
MEAN_GAP = 1.6  # seconds between ordinary lines on average
FIXED_COLUMNS = ("time", "offset", "level", "service", "host", "request_id", "message")
LEVELS = ("DEBUG", "INFO", "WARN", "ERROR", "FATAL")

_ROUTES = (
    ("GET", "/v1/queries/{id}"),
    ("POST", "/v1/queries"),
    ("GET", "/v1/dashboards/{id}"),
    ("GET", "/v1/projects"),
    ("PUT", "/v1/projects/{id}"),
    ("GET", "/health"),
    ("POST", "/v1/auth/token"),
    ("GET", "/v1/exports/{id}"),
)


def log_stream(
    scenario: Scenario,
    seed: int,
    until: float,
    *,
    ended_effects: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """Every log line up to `until` seconds from the scenario start, oldest first.

    Columns: `time` (UTC), `offset` (seconds from start), `level`, `service`, `host`,
    `request_id`, `message`, then one column per structured field (`status`, `route`, `tenant`,
    ...; None where a line lacks it). Evidence lines tied to an incident effect stop at the offset
    in `ended_effects` (a mitigation ended that effect).
    """
    full = _full_stream(scenario.model_dump_json(), seed)
    keep = full["offset"].to_numpy() <= until
    ended = dict(ended_effects or {})
    if ended:
        effect = full["_effect"].to_numpy()
        offsets = full["offset"].to_numpy()
        for effect_id, at in ended.items():
            keep &= ~((effect == effect_id) & (offsets > at))
    out = full.loc[keep].drop(columns=["_effect"]).reset_index(drop=True)
    return out


def field_columns(frame: pd.DataFrame) -> list[str]:
    """The structured-field columns of a log frame (everything but the fixed ones)."""
    return [c for c in frame.columns if c not in FIXED_COLUMNS and not c.startswith("_")]


@lru_cache(maxsize=16)
def _full_stream(scenario_json: str, seed: int) -> pd.DataFrame:
    # Keyed by the scenario's JSON so an edited scenario never reuses a stale stream; callers
    # only ever get filtered copies, so the cached frame is never mutated.
    return _generate(Scenario.model_validate_json(scenario_json), seed)


def _generate(scenario: Scenario, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(derived_seed(seed, f"logs/{scenario.id}"))
    fake = Faker()
    fake.seed_instance(derived_seed(seed, f"faker/{scenario.id}"))
    service = scenario.service

    tenants = sorted({fake.slug(fake.company()) for _ in range(9)})
    users = [fake.user_name() for _ in range(25)]
    # Addresses from the reserved example domain and the documentation IP ranges (RFC 2606,
    # RFC 5737): realistic to read, never a real company's mailbox or a real host on the internet.
    emails = [f"{fake.user_name()}@{tenants[i % len(tenants)]}.example.com" for i in range(25)]
    ips = [f"{('192.0.2', '198.51.100', '203.0.113')[i % 3]}.{int(rng.integers(1, 255))}" for i in range(40)]
    hosts = [f"{service}-{i}" for i in (1, 2, 3)]
    workers = ["worker-1", "worker-2"]

    horizon = scenario.clock.duration
    span = horizon + LEAD_IN
    n = int(span / MEAN_GAP * 1.2) + 50
    gaps = rng.exponential(MEAN_GAP, n)
    offsets = np.cumsum(gaps) - LEAD_IN
    offsets = offsets[offsets <= horizon]
    rows: list[dict] = []
    kinds = rng.choice(
        [
            "access",
            "access",
            "access",
            "access",
            "access",
            "job",
            "auth",
            "cache",
            "warn",
            "error",
            "checkpoint",
        ],
        size=len(offsets),
        p=[0.16, 0.16, 0.16, 0.16, 0.16, 0.06, 0.05, 0.05, 0.025, 0.005, 0.01],
    )
    for off, kind in zip(offsets, kinds, strict=True):
        rows.append(_noise_line(kind, float(off), rng, service, tenants, users, emails, ips, hosts, workers))
    _fail_like_the_metrics(scenario, seed, rows, kinds)

    for ev in scenario.evidence.logs:
        for i in range(ev.count):
            at = ev.at + i * ev.every
            if at > horizon:
                break
            # A little jitter so repeated evidence does not sit on an unnaturally exact grid.
            at = at + float(rng.uniform(0, min(0.9, ev.every / 4)))
            row = {
                "offset": at,
                "level": ev.level,
                "service": ev.service,
                "host": hosts[int(rng.integers(len(hosts)))] if ev.service == service else f"{ev.service}-1",
                "request_id": _request_id(rng),
                "message": ev.message,
                "_effect": ev.effect,
            }
            row.update(ev.fields)
            rows.append(row)

    frame = pd.DataFrame(rows)
    frame["offset"] = frame["offset"].round(3)
    frame = frame.sort_values("offset", kind="stable").reset_index(drop=True)
    start = pd.Timestamp(scenario.clock.start)
    frame.insert(0, "time", start + pd.to_timedelta(frame["offset"], unit="s"))
    fields = [c for c in frame.columns if c not in FIXED_COLUMNS and c != "_effect"]
    ordered = [*FIXED_COLUMNS, *sorted(fields), "_effect"]
    frame = frame.reindex(columns=ordered)
    for c in fields:
        frame[c] = frame[c].astype(object).where(frame[c].notna(), None)
    frame["_effect"] = frame["_effect"].astype(object).where(frame["_effect"].notna(), None)
    return frame


def error_metric(scenario: Scenario) -> tuple[str, str] | None:
    """(error counter, request counter) of the scenario's service: the metric derived as a
    fraction of the requests whose name says errors or 5xx. None when it has no such pair."""
    for m in scenario.metrics:
        if isinstance(m.derive, FractionOf) and ("error" in m.name or "5xx" in m.name):
            return m.name, m.derive.of
    return None


def _fail_like_the_metrics(scenario: Scenario, seed: int, rows: list[dict], kinds: np.ndarray) -> None:
    """Turn access lines into 5xx errors at the rate the scenario's own error counter shows at
    that moment, so a search at the time the error alert fires finds the failures the dashboard
    shows. A separate random stream decides which lines fail, so every other line stays as it
    was. A failure inside an incident effect on those counters carries the effect's id: when a
    mitigation ends the effect, its failures stop with it."""
    pair = error_metric(scenario)
    if pair is None:
        return
    trace = generate_trace(scenario, seed)
    errors, requests = trace.by_name(pair[0]), trace.by_name(pair[1])
    if not errors or not requests:
        return
    failed = np.diff(errors[0].values, prepend=errors[0].values[0])
    served = np.diff(requests[0].values, prepend=requests[0].values[0])
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.clip(np.where(served > 0, failed / served, 0.0), 0.0, 1.0)
    share[0] = share[1] if len(share) > 1 else share[0]  # the first tick has no increase of its own
    effects = [e for e in scenario.incident if e.metric.split("{", 1)[0] in pair]
    draw = np.random.default_rng(derived_seed(seed, f"logs-errors/{scenario.id}"))
    chance = draw.random(len(rows))
    status_pick = draw.integers(0, 4, len(rows))
    for i, row in enumerate(rows):
        if kinds[i] != "access":
            continue
        at = row["offset"]
        tick = min(max(int(np.searchsorted(trace.offsets, at, side="right")) - 1, 0), len(share) - 1)
        if chance[i] >= share[tick]:
            continue
        status = (500, 502, 503, 504)[int(status_pick[i])]
        method, path = row["message"].split(" ", 2)[:2]
        row.update(
            level="ERROR",
            status=str(status),
            message=f"{method} {path} {status} {row['latency_ms']}ms",
            _effect=next(
                (e.id for e in effects if e.id and e.start <= at and (e.end is None or at < e.end)), None
            ),
        )


def _request_id(rng: np.random.Generator) -> str:
    return "req-" + rng.bytes(6).hex()


def _noise_line(
    kind: str,
    off: float,
    rng: np.random.Generator,
    service: str,
    tenants: list[str],
    users: list[str],
    emails: list[str],
    ips: list[str],
    hosts: list[str],
    workers: list[str],
) -> dict:
    def pick(seq: list[str]) -> str:
        return seq[int(rng.integers(len(seq)))]

    row: dict = {"offset": off, "request_id": _request_id(rng), "host": pick(hosts), "service": service}
    if kind == "access":
        method, route = _ROUTES[int(rng.integers(len(_ROUTES)))]
        status = int(rng.choice([200, 200, 200, 200, 200, 200, 201, 204, 304, 401, 404, 429], p=None))
        latency = int(max(3, rng.lognormal(np.log(45), 0.6)))
        path = route.replace("{id}", str(int(rng.integers(1000, 99999))))
        row.update(
            level="INFO",
            message=f"{method} {path} {status} {latency}ms",
            method=method,
            route=route,
            status=str(status),
            latency_ms=str(latency),
            tenant=pick(tenants),
            client_ip=pick(ips),
        )
    elif kind == "job":
        rows_done = int(rng.integers(10, 50000))
        secs = round(float(rng.lognormal(np.log(2.0), 0.5)), 2)
        row.update(
            service="worker",
            host=pick(workers),
            level="INFO",
            message=f"job {int(rng.integers(100000, 999999))} finished: report rows={rows_done} in {secs}s",
            tenant=pick(tenants),
        )
    elif kind == "auth":
        if rng.random() < 0.85:
            row.update(
                service="auth",
                host="auth-1",
                level="INFO",
                message=f"token refreshed for {pick(emails)}",
                user=pick(users),
            )
        else:
            row.update(
                service="auth",
                host="auth-1",
                level="WARN",
                message=f"login failed for {pick(emails)}: bad password",
                user=pick(users),
                client_ip=pick(ips),
            )
    elif kind == "cache":
        row.update(
            service="cache",
            host="redis-1",
            level="DEBUG",
            message=f"cache miss dashboard:{int(rng.integers(1000, 99999))} (ttl 300s)",
        )
    elif kind == "warn":
        msg = [
            "retrying Elasticsearch search (attempt 2 of 3)",
            f"deprecated header X-Api-Version used by tenant {pick(tenants)}",
            "request body larger than 1MB, streaming to disk",
            "slow upstream: geoip lookup took 812ms",
        ][int(rng.integers(4))]
        row.update(level="WARN", message=msg)
    elif kind == "error":
        msg = [
            "webhook delivery failed: 410 Gone from customer endpoint",
            "failed to render PDF: font cache locked, retrying",
        ][int(rng.integers(2))]
        row.update(level="ERROR", message=msg, tenant=pick(tenants))
    else:  # checkpoint
        row.update(
            service="postgres",
            host="rds-primary",
            level="INFO",
            message=f"checkpoint complete: wrote {int(rng.integers(200, 9000))} buffers",
        )
    return row


def format_time(frame: pd.DataFrame) -> pd.Series:
    """`time` as Kibana prints it: 2026-03-10 14:20:05.123."""
    return frame["time"].dt.strftime("%Y-%m-%d %H:%M:%S.%f").str[:-3]


def window(start_offset: float, minutes: float) -> tuple[float, float]:
    """A (start, end) pair ending at `start_offset`, `minutes` long (for "last N minutes")."""
    return start_offset - minutes * 60.0, start_offset


__all__ = ["FIXED_COLUMNS", "LEAD_IN", "error_metric", "field_columns", "format_time", "log_stream", "window"]
