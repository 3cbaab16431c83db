"""Alertmanager's dispatcher over an alert timeline: aggregation groups, timers, inhibition, dedup.

Owns turning firing/resolved alerts into timed notifications the way Alertmanager 0.25 does it
(dispatch/dispatch.go, notify/notify.go DedupStage, inhibit/inhibit.go): one aggregation group per
route and group labels, first flush `group_wait` after the group is created, then a
`group_interval` ticker; a flush notifies only when something changed or `repeat_interval`
passed; inhibition is applied at flush time; empty groups are removed by a 30 s maintenance tick.
Also owns the webhook (version 4) payload and the chat text a person reads. Not owns: which
person holds the pager (simulator.oncall) and when alerts fire (simulator.alerts).
"""

from __future__ import annotations

import heapq
import itertools
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from .config import (
    CHANNEL_OF,
    SEND_RESOLVED_DEFAULT,
    AlertmanagerConfig,
    InhibitRule,
    Route,
    inhibit_rules,
    route_tree,
)

EXTERNAL_URL = "http://alertmanager.example.internal:9093"
PROMETHEUS_URL = "http://prometheus.example.internal:9090"
ZERO_TIME = "0001-01-01T00:00:00Z"
MAINTENANCE_INTERVAL = 30.0  # dispatcher.go: empty groups are garbage-collected every 30 s

_FNV_OFFSET = 14695981039346656037
_FNV_PRIME = 1099511628211
_MASK = (1 << 64) - 1


def fingerprint(labels: Mapping[str, str]) -> str:
    """Alertmanager's alert fingerprint: FNV-1a 64 over the sorted label names and values, each
    followed by the 0xff separator byte, printed as 16 hex digits."""
    h = _FNV_OFFSET
    for name in sorted(labels):
        for part in (name, labels[name]):
            for byte in part.encode("utf-8") + b"\xff":
                h ^= byte
                h = (h * _FNV_PRIME) & _MASK
    return f"{h:016x}"


def label_set_string(labels: Mapping[str, str]) -> str:
    """Go's model.LabelSet.String(): `{a="b", c="d"}`, sorted by name."""
    return "{" + ", ".join(f"{k}={_go_quote(labels[k])}" for k in sorted(labels)) + "}"


def _go_quote(s: str) -> str:
    out = ['"']
    for ch in s:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\x{ord(ch):02x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def _rfc3339(start: datetime, offset: float) -> str:
    t = start + timedelta(seconds=float(offset))
    text = t.strftime("%Y-%m-%dT%H:%M:%S")
    if t.microsecond:
        text += f".{t.microsecond:06d}".rstrip("0")
    return text + "Z"


# --- values --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SentAlert:
    """One alert as it appears in a notification."""

    name: str
    labels: dict[str, str]
    annotations: dict[str, str]
    status: str  # firing / resolved
    starts_at: float
    ends_at: float | None
    value: float
    fingerprint: str


@dataclass(frozen=True)
class Notification:
    """What one receiver integration sent at `at` (seconds from the trace start)."""

    at: float
    receiver: str
    channel: str  # pager / chat / email / ticket
    integration: str  # e.g. "slack_configs[0]"
    status: str  # firing when any alert in it fires, else resolved
    alerts: list[SentAlert]
    group_key: str
    webhook: dict[str, Any]
    chat_text: str
    repeat: bool = False  # sent only because repeat_interval passed: nothing new in it

    @property
    def payload(self) -> dict[str, Any]:
        return self.webhook

    @property
    def firing(self) -> list[SentAlert]:
        return [a for a in self.alerts if a.status == "firing"]


@dataclass
class _Alert:
    name: str
    labels: dict[str, str]
    annotations: dict[str, str]
    starts_at: float
    ends_at: float | None
    value: float
    fp: str

    def resolved(self, now: float) -> bool:
        return self.ends_at is not None and self.ends_at <= now


@dataclass
class _LogEntry:
    firing: frozenset[str]
    resolved: frozenset[str]
    at: float


@dataclass(eq=False)
class _Group:
    route: Route
    labels: dict[str, str]
    key: str
    alerts: dict[str, _Alert] = field(default_factory=dict)
    alive: bool = True


# --- the dispatcher ------------------------------------------------------------------------------


def _events(timeline: Any) -> list[tuple[float, int, _Alert]]:
    """(time, kind, alert) where kind 0 = starts firing, 1 = resolved. Only firing matters to
    Alertmanager: a pending alert is never sent to it."""
    out: list[tuple[float, int, _Alert]] = []
    for a in getattr(timeline, "alerts", []):
        labels = {k: str(v) for k, v in a.labels.items()}
        labels.setdefault("alertname", a.name)
        fp = fingerprint(labels)
        for ep in a.episodes:
            if ep.firing_at is None:
                continue
            value = float(getattr(ep, "value_at_firing", float("nan")))
            alert = _Alert(a.name, labels, dict(ep.annotations or {}), float(ep.firing_at), None, value, fp)
            out.append((float(ep.firing_at), 0, alert))
            if ep.resolved_at is not None:
                out.append((float(ep.resolved_at), 1, alert))
    return out


def _inhibited(alert: _Alert, now: float, rules: list[InhibitRule], active: dict[str, _Alert]) -> bool:
    """inhibit.go Mutes: a firing source alert with equal labels mutes a target, except a source
    that is itself a target when the alert is also a source (no mutual silencing)."""
    for rule in rules:
        if not all(m.matches(alert.labels.get(m.name, "")) for m in rule.target):
            continue
        two_sided = all(m.matches(alert.labels.get(m.name, "")) for m in rule.source)
        for src in active.values():
            if src.resolved(now) or not all(m.matches(src.labels.get(m.name, "")) for m in rule.source):
                continue
            if any(src.labels.get(n, "") != alert.labels.get(n, "") for n in rule.equal):
                continue
            if two_sided and all(m.matches(src.labels.get(m.name, "")) for m in rule.target):
                continue
            return True
    return False


def _sort_key(a: _Alert) -> tuple:
    # types.AlertSlice: job, then instance (present before absent), then the label set.
    parts: list[Any] = []
    for k in ("job", "instance"):
        parts.append((0, a.labels[k]) if k in a.labels else (1, ""))
    parts.append(tuple(sorted(a.labels.items())))
    return tuple(parts)


def notifications(
    config: AlertmanagerConfig,
    timeline: Any,
    start: datetime,
    runbook: str | None = None,
    service: str = "",
    *,
    until: float | None = None,
    exprs: Mapping[str, str] | None = None,
    external_url: str = EXTERNAL_URL,
) -> list[Notification]:
    """Every notification Alertmanager would send for the alerts in `timeline`, in time order.

    `start` is the wall time of offset 0 (for timestamps in payloads); `runbook` the link shown
    when an alert has no `runbook_url` annotation; `service` the service named when an alert has
    no `service` label; `until` the last moment simulated (default: the timeline's last tick);
    `exprs` alert name -> rule expression, for each alert's generatorURL.
    """
    tree = route_tree(config)
    rules = inhibit_rules(config)
    if until is None:
        ticks = getattr(timeline, "ticks", None)
        until = float(ticks[-1]) if ticks is not None and len(ticks) else None
    if until is None or until == float("inf"):
        # No end given: a day after the last alert event, so a firing alert's repeats end somewhere.
        times = [t for t, _, _ in _events(timeline)]
        until = (max(times) if times else 0.0) + 86400.0
    seq = itertools.count()
    # (time, phase, seq, kind, payload): at equal times alerts arrive before flushes, flushes
    # before the maintenance sweep.
    queue: list[tuple[float, int, int, str, Any]] = []
    for t, resolved, alert in _events(timeline):
        if t <= until:
            heapq.heappush(queue, (t, 0, next(seq), "resolve" if resolved else "fire", alert))
    groups: dict[tuple[int, str], _Group] = {}
    nflog: dict[tuple[str, str, str], _LogEntry] = {}
    active: dict[str, _Alert] = {}  # what Alertmanager currently knows, by fingerprint
    out: list[Notification] = []
    route_ids: dict[int, Route] = {}
    next_sweep = MAINTENANCE_INTERVAL
    if queue:
        next_sweep = (queue[0][0] // MAINTENANCE_INTERVAL + 1) * MAINTENANCE_INTERVAL

    while queue:
        t, _phase, _n, kind, payload = heapq.heappop(queue)
        if t > until:
            break
        # Garbage-collect groups that were empty at each sweep before now.
        while next_sweep <= t and not (next_sweep == t and _phase < 2):
            for gk in [gk for gk, g in groups.items() if not g.alerts]:
                groups.pop(gk).alive = False
            next_sweep += MAINTENANCE_INTERVAL
        if kind == "fire":
            alert = _Alert(**{**payload.__dict__, "ends_at": None})
            active[alert.fp] = alert
            for route in tree.match(alert.labels):
                route_ids[id(route)] = route
                glabels = route.group_labels(alert.labels)
                gkey = (id(route), label_set_string(glabels))
                group = groups.get(gkey)
                if group is None:
                    group = _Group(route, glabels, f"{route.key()}:{label_set_string(glabels)}")
                    groups[gkey] = group
                    heapq.heappush(queue, (t + route.group_wait, 1, next(seq), "flush", group))
                group.alerts[alert.fp] = alert
        elif kind == "resolve":
            current = active.get(payload.fp)
            if current is not None and current.starts_at == payload.starts_at:
                current.ends_at = t
        elif kind == "flush":
            group = payload
            if not group.alive:
                continue
            out.extend(
                _flush(
                    group, t, config, rules, active, nflog, start, runbook, service, exprs or {}, external_url
                )
            )
            heapq.heappush(queue, (t + group.route.group_interval, 1, next(seq), "flush", group))
            if not group.alerts and not any(k == "fire" for _, _, _, k, _ in queue):
                # Nothing can ever arrive again: stop the ticker so the simulation ends.
                group.alive = False
    out.sort(key=lambda n: (n.at, n.receiver, n.integration, n.group_key))
    return out


def _flush(
    group: _Group,
    now: float,
    config: AlertmanagerConfig,
    rules: list[InhibitRule],
    active: dict[str, _Alert],
    nflog: dict,
    start: datetime,
    runbook: str | None,
    service: str,
    exprs: Mapping[str, str],
    external_url: str,
) -> list[Notification]:
    if not group.alerts:
        return []
    alerts = sorted(group.alerts.values(), key=_sort_key)
    resolved_now = [a for a in alerts if a.resolved(now)]
    visible = [a for a in alerts if not _inhibited(a, now, rules, active)]
    receiver = config.receiver(group.route.receiver)
    sent_out: list[Notification] = []
    for kind, idx, settings in receiver.integrations() if receiver else []:
        integration = f"{kind}[{idx}]"
        send_resolved = bool(settings.get("send_resolved", SEND_RESOLVED_DEFAULT[kind]))
        firing = frozenset(a.fp for a in visible if not a.resolved(now))
        resolved = frozenset(a.fp for a in visible if a.resolved(now))
        log_key = (group.key, group.route.receiver, integration)
        entry = nflog.get(log_key)
        repeat = False
        if entry is None:
            needed = bool(firing)
        elif not firing <= entry.firing:
            needed = True
        elif not firing:
            # Everything resolved: notify (or at least log) only if the receiver knew of a firing alert.
            needed = bool(entry.firing)
        elif send_resolved and not resolved <= entry.resolved:
            needed = True
        else:
            # Strictly before, as in Alertmanager: a repeat_interval that is a multiple of
            # group_interval repeats one group_interval later than one might expect.
            needed = entry.at < now - group.route.repeat_interval
            repeat = needed
        if not needed:
            continue
        nflog[log_key] = _LogEntry(firing, resolved, now)
        sent = visible if send_resolved else [a for a in visible if not a.resolved(now)]
        if not sent:
            continue
        max_alerts = int(settings.get("max_alerts", 0) or 0) if kind == "webhook_configs" else 0
        sent_out.append(
            _notification(
                group,
                now,
                kind,
                integration,
                sent,
                start,
                runbook,
                service,
                exprs,
                external_url,
                max_alerts,
                repeat,
            )
        )
    # Resolved alerts were just notified (or deliberately not): drop them from the group.
    for a in resolved_now:
        if group.alerts.get(a.fp) is a:
            del group.alerts[a.fp]
    return sent_out


def _notification(
    group: _Group,
    now: float,
    kind: str,
    integration: str,
    alerts: list[_Alert],
    start: datetime,
    runbook: str | None,
    service: str,
    exprs: Mapping[str, str],
    external_url: str,
    max_alerts: int,
    repeat: bool,
) -> Notification:
    sent = [
        SentAlert(
            a.name,
            dict(a.labels),
            dict(a.annotations),
            "resolved" if a.resolved(now) else "firing",
            a.starts_at,
            a.ends_at if a.resolved(now) else None,
            a.value,
            a.fp,
        )
        for a in alerts
    ]
    status = "firing" if any(a.status == "firing" for a in sent) else "resolved"
    shown = sent[:max_alerts] if max_alerts and len(sent) > max_alerts else sent
    webhook = {
        "receiver": group.route.receiver,
        "status": status,
        "alerts": [
            {
                "status": a.status,
                "labels": dict(sorted(a.labels.items())),
                "annotations": dict(sorted(a.annotations.items())),
                "startsAt": _rfc3339(start, a.starts_at),
                "endsAt": ZERO_TIME if a.ends_at is None else _rfc3339(start, a.ends_at),
                "generatorURL": _generator_url(exprs.get(a.name)),
                "fingerprint": a.fingerprint,
            }
            for a in shown
        ],
        "groupLabels": dict(sorted(group.labels.items())),
        "commonLabels": _common([a.labels for a in sent]),
        "commonAnnotations": _common([a.annotations for a in sent]),
        "externalURL": external_url,
        "version": "4",
        "groupKey": group.key,
        "truncatedAlerts": len(sent) - len(shown),
    }
    return Notification(
        at=now,
        receiver=group.route.receiver,
        channel=CHANNEL_OF[kind],
        integration=integration,
        status=status,
        alerts=sent,
        group_key=group.key,
        webhook=webhook,
        chat_text=chat_text(sent, status, runbook, service),
        repeat=repeat,
    )


def _generator_url(expr: str | None) -> str:
    if not expr:
        return f"{PROMETHEUS_URL}/alerts"
    # Prometheus: externalURL + "/graph?g0.expr=" + url.QueryEscape(expr) + "&g0.tab=1".
    return f"{PROMETHEUS_URL}/graph?g0.expr={urllib.parse.quote_plus(expr)}&g0.tab=1"


def _common(maps: list[dict[str, str]]) -> dict[str, str]:
    if not maps:
        return {}
    first = maps[0]
    return {k: v for k, v in sorted(first.items()) if all(m.get(k) == v for m in maps[1:])}


def _value(v: float) -> str:
    if v != v:
        return ""
    return f"{v:.4g}"


def chat_text(alerts: list[SentAlert], status: str, runbook: str | None = None, service: str = "") -> str:
    """The message as a person reads it in the chat channel (Slack-like, plain text)."""
    firing = [a for a in alerts if a.status == "firing"]
    names = list(dict.fromkeys(a.name for a in alerts))
    services = list(
        dict.fromkeys(a.labels.get("service", service) for a in alerts if a.labels.get("service", service))
    )
    sev = list(
        dict.fromkeys(a.labels.get("severity", "").upper() for a in alerts if a.labels.get("severity"))
    )
    head = f"[FIRING:{len(firing)}]" if status == "firing" else "[RESOLVED]"
    title = " ".join(p for p in (head, ", ".join(sev), ", ".join(names)) if p)
    if services:
        title += f" — service {', '.join(services)}"
    lines = [title]
    for a in alerts:
        # Plain characters only: the same text goes to pagers and terminals without emoji fonts.
        mark = "•" if a.status == "firing" else "• resolved:"
        summary = a.annotations.get("summary") or a.annotations.get("message") or a.name
        val = _value(a.value)
        lines.append(f"{mark} {summary}" + (f" (value {val})" if val and a.status == "firing" else ""))
        if a.annotations.get("description"):
            lines.append(f"   {a.annotations['description']}")
        extra = {
            k: v for k, v in sorted(a.labels.items()) if k not in ("alertname", "severity", "service", "team")
        }
        if extra:
            lines.append("   labels: " + ", ".join(f"{k}={v}" for k, v in extra.items()))
    links = list(
        dict.fromkeys(
            a.annotations.get("runbook_url") or a.annotations.get("runbook") or runbook or "" for a in alerts
        )
    )
    for link in links:
        if link:
            lines.append(f"Runbook: {link}")
    return "\n".join(lines)
