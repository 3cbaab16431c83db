"""The dispatcher against the real Alertmanager 0.25: same alerts in, same notifications out.

A real `prometheus-alertmanager` runs with second-scale timers and webhook receivers pointing at a
local HTTP server; alerts are posted to its API on a fixed schedule (firing, inhibited, joining a
group, resolving, a receiver without send_resolved). firedrill simulates the same schedule. The
sequence of notifications must agree: receiver, status, group key, group and common labels, and
every alert's status, labels, fingerprint, startsAt and endsAt. Send times are compared with a
tolerance, since the real one runs on a real clock; the schedule keeps every event well away from
a timer boundary so the order is never a race.
"""

from __future__ import annotations

import json
import socket
import subprocess
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest

from simulator.routing import notifications, parse_config
from simulator.routing.dispatch import EXTERNAL_URL, PROMETHEUS_URL
from tests.conftest import require_tool

pytestmark = pytest.mark.oracle

# Which timer tick sent a notification, not how fast: the real Alertmanager runs in wall time, so
# on a loaded machine its sends slip; half a group_interval (2 s) still names the same tick.
# Order, receivers and bodies are compared exactly.
TOLERANCE = 1.0
END = 10.5


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _config(hook: int) -> str:
    return f"""
route:
  receiver: team
  group_by: [alertname, service]
  group_wait: 1s
  group_interval: 2s
  repeat_interval: 5s
  routes:
    - receiver: pager
      matchers: ['severity="critical"']
      continue: true
    - receiver: tickets
      matchers: ['severity="low"']
      group_by: ['...']
    - receiver: team
      matchers: ['severity=~".+"']
inhibit_rules:
  - source_matchers: ['severity="critical"']
    target_matchers: ['severity="warning"']
    equal: [alertname, service]
receivers:
  - name: pager
    webhook_configs: [{{url: 'http://127.0.0.1:{hook}/pager'}}]
  - name: team
    webhook_configs: [{{url: 'http://127.0.0.1:{hook}/team', send_resolved: true}}]
  - name: tickets
    webhook_configs: [{{url: 'http://127.0.0.1:{hook}/tickets', send_resolved: false}}]
"""


# (fire at, resolve at or None, labels): chosen so no event lands near a group's timer tick.
SCHEDULE = [
    (0.0, 4.0, {"alertname": "Pool", "service": "api", "severity": "critical"}),
    (0.0, None, {"alertname": "Pool", "service": "api", "severity": "warning"}),  # inhibited until 4 s
    (0.3, None, {"alertname": "Latency", "service": "web", "severity": "warning"}),  # repeats after 5 s
    (1.6, None, {"alertname": "Pool", "service": "api", "severity": "warning", "instance": "b"}),  # joins
    (2.5, 4.2, {"alertname": "Disk", "service": "api", "severity": "low"}),  # resolution not sent
]


@dataclass
class _Ep:
    pending_at: float
    firing_at: float
    resolved_at: float | None
    value_at_firing: float = float("nan")
    annotations: dict = field(default_factory=dict)


@dataclass
class _History:
    name: str
    labels: dict
    episodes: list


@dataclass
class _Timeline:
    alerts: list
    ticks: list


def _annotations(labels: dict) -> dict:
    return {"summary": f"{labels['alertname']} on {labels['service']}"}


def _simulated(config_text: str, start: datetime, schedule=SCHEDULE):
    timeline = _Timeline(
        [
            _History(lb["alertname"], lb, [_Ep(f, f, r, annotations=_annotations(lb))])
            for f, r, lb in schedule
        ],
        [0.0, END],
    )
    return notifications(parse_config(config_text), timeline, start)


class _Recorder(BaseHTTPRequestHandler):
    received: ClassVar[list] = []
    t0: ClassVar[float] = 0.0

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).received.append((time.monotonic() - type(self).t0, self.path.strip("/"), body))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        """Keep the test output free of one access-log line per notification."""


def _iso(t: datetime) -> str:
    text = t.strftime("%Y-%m-%dT%H:%M:%S")
    if t.microsecond:
        text += f".{t.microsecond:06d}".rstrip("0")
    return text + "Z"


def _post(api: str, alerts: list[dict]) -> None:
    req = urllib.request.Request(
        f"{api}/api/v2/alerts",
        data=json.dumps(alerts).encode(),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=5) as r:
        assert r.status == 200


def _run_real(binary: str, config_text: str, tmp_path, hook_port: int) -> tuple[list, datetime, list]:
    server = ThreadingHTTPServer(("127.0.0.1", hook_port), _Recorder)
    _Recorder.received = []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    (tmp_path / "am.yml").write_text(config_text)
    port = _free_port()
    api = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen(
        [
            binary,
            f"--config.file={tmp_path / 'am.yml'}",
            f"--storage.path={tmp_path / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--cluster.listen-address=",
            f"--web.external-url={EXTERNAL_URL}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{api}/-/ready", timeout=1) as r:
                    if r.status == 200:
                        break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        start = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=1)
        # Align the monotonic clock with the planned wall-clock start.
        time.sleep(max(0.0, (start - datetime.now(UTC)).total_seconds()))
        _Recorder.t0 = time.monotonic()
        events = sorted(
            [(f, "fire", lb) for f, _, lb in SCHEDULE] + [(r, "resolve", lb) for f, r, lb in SCHEDULE if r],
            key=lambda e: e[0],
        )
        # The simulation is fed the moments the alerts were really posted (a busy machine may post
        # a little late), so only Alertmanager's own timing is under test.
        actual: dict[str, list] = {json.dumps(lb, sort_keys=True): [None, None, lb] for _, _, lb in SCHEDULE}
        for at, kind, labels in events:
            time.sleep(max(0.0, _Recorder.t0 + at - time.monotonic()))
            now = datetime.now(UTC)
            record = actual[json.dumps(labels, sort_keys=True)]
            if kind == "fire":
                record[0] = now
            alert = {
                "labels": labels,
                "annotations": _annotations(labels),
                "generatorURL": f"{PROMETHEUS_URL}/alerts",
                "startsAt": _iso(record[0]),
            }
            if kind == "resolve":
                record[1] = now
                alert["endsAt"] = _iso(now)
            _post(api, [alert])
        time.sleep(max(0.0, _Recorder.t0 + END - time.monotonic()))
        schedule = [
            (
                (f - start) / timedelta(seconds=1),
                None if r is None else (r - start) / timedelta(seconds=1),
                lb,
            )
            for f, r, lb in actual.values()
        ]
        return list(_Recorder.received), start, schedule
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        server.shutdown()


def _shape(body: dict) -> dict:
    return {
        "receiver": body["receiver"],
        "status": body["status"],
        "groupKey": body["groupKey"],
        "groupLabels": body["groupLabels"],
        "commonLabels": body["commonLabels"],
        "commonAnnotations": body["commonAnnotations"],
        "externalURL": body["externalURL"],
        "version": body["version"],
        "alerts": sorted(
            (
                {
                    k: a[k]
                    for k in (
                        "status",
                        "labels",
                        "annotations",
                        "startsAt",
                        "endsAt",
                        "generatorURL",
                        "fingerprint",
                    )
                }
                for a in body["alerts"]
            ),
            key=lambda a: a["fingerprint"],
        ),
    }


def test_the_simulated_notifications_are_the_ones_the_real_alertmanager_sends(tmp_path):
    binary = require_tool("prometheus-alertmanager")
    hook = _free_port()
    config_text = _config(hook)
    real, start, schedule = _run_real(binary, config_text, tmp_path, hook)
    ours = _simulated(config_text, start, schedule)

    real_list = sorted(((t, path, _shape(b)) for t, path, b in real), key=lambda x: (round(x[0], 1), x[1]))
    ours_list = sorted(
        ((n.at, n.receiver, _shape(n.webhook)) for n in ours), key=lambda x: (round(x[0], 1), x[1])
    )
    summary = (
        "\n".join(f"  real {t:5.2f} {p:8s} {b['status']}" for t, p, b in real_list)
        + "\n"
        + "\n".join(f"  ours {t:5.2f} {p:8s} {b['status']}" for t, p, b in ours_list)
    )
    assert len(real_list) == len(ours_list), "different number of notifications:\n" + summary
    for (rt, rpath, rbody), (ot, opath, obody) in zip(real_list, ours_list, strict=True):
        assert rpath == opath, summary
        assert abs(rt - ot) <= TOLERANCE, (
            f"different timer tick: Alertmanager {rt:.2f}s, firedrill {ot:.2f}s\n{summary}"
        )
        assert rbody == obody, summary


def test_the_schedule_exercises_inhibition_joining_repeats_and_unsent_resolutions():
    """Guard: the scenario above must keep covering what it claims."""
    ours = _simulated(_config(1), datetime(2026, 1, 1, tzinfo=UTC))
    team = [n for n in ours if n.receiver == "team"]
    assert any(n.repeat for n in team)
    pool = [n for n in team if n.webhook["groupLabels"]["alertname"] == "Pool"]
    assert [len(n.alerts) for n in pool][:2] == [
        1,
        3,
    ]  # warnings hidden, then shown once the critical resolves
    tickets = [n for n in ours if n.receiver == "tickets"]
    assert [n.status for n in tickets] == ["firing"]
    assert tickets[0].webhook["groupLabels"] == SCHEDULE[4][2]  # group_by: ['...'] groups by every label
