"""Load on the server alone: trainees drilling at once, driven by the protocol client, no browsers.

`benchmarks/st_client.py` speaks Streamlit's websocket protocol, so the measured two cores go to
the server, not to twenty Chromium renderers (`bench_load.py`, kept as the end-to-end check).
Each trainee signs in, opens the Drill page and — released together — starts a drill at 60× and
works a scripted incident: classify, declare, open the channel, escalate, post an update, resolve
(6 actions), pausing `THINK_S` between actions as a person reading the page would, and opening
each action's tab first as a person clicks it (the page draws only the open tab; a tab switch is a
full run of its own, counted as load but not timed). While the drill
page is open its live fragment asks the server for a rerun every second, exactly as a browser tab
does. Every action is timed from sending the button press to the end of the script run that shows
its "Recorded at …" confirmation.

Reported per run: median / p95 / max of those times, errors (exception boxes, "not saved", refusals,
timeouts), lost actions (confirmed to the client but missing from the attempt's stored event log),
server CPU seconds and peak RSS. Runs:
1. one `streamlit run` process, 20 trainees, SQLite and PostgreSQL (the issue's target: p95 ≤ 1.5 s,
   no errors, none lost);
2. the knee: one process on SQLite with growing crowds, until p95 passes 1.5 s or anything fails;
3. replicas: `scripts/serve_replicas.py` (N processes behind nginx, sticky by cookie, one
   PostgreSQL) with 20 and 100 trainees.

Each simulated trainee arrives from an address of its own (`X-Forwarded-For`, believed because
the server is started with FIREDRILL_TRUSTED_PROXIES naming loopback, as behind the replicas'
nginx), as trainees on their own machines do: otherwise the sign-in guard would throttle 19 of 20
sign-ins from 127.0.0.1 and the benchmark would measure that guard. Reported besides the
latencies: server CPU-seconds per confirmed action (independent of how busy the machine is).

Run: `python -m benchmarks load_protocol` (several minutes). Knobs (environment):
FIREDRILL_PROTO_KNEE="5,10,20,30,40,60" crowds for the knee; FIREDRILL_PROTO_REPLICAS=2 processes
behind nginx; FIREDRILL_PROTO_THINK_S=2 seconds between one trainee's actions;
FIREDRILL_PROTO_ONLY to run some parts only, e.g. "sqlite:20", "sqlite:5,postgresql:20",
"replicas:20,replicas:100" or "knee" (results then go to out/load_protocol-<parts>.json, leaving
the full run's file alone).
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import os
import shutil
import statistics
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from .common import release_together, save

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "firedrill-test-pw"
TARGET_P95_S = 1.5
THINK_S = float(os.environ.get("FIREDRILL_PROTO_THINK_S", "2"))
KNEE_CROWDS = [int(x) for x in os.environ.get("FIREDRILL_PROTO_KNEE", "5,10,20,30,40,60").split(",") if x]
REPLICAS = int(os.environ.get("FIREDRILL_PROTO_REPLICAS", "2"))
ONLY = [p.strip() for p in os.environ.get("FIREDRILL_PROTO_ONLY", "").split(",") if p.strip()]
STEP_TIMEOUT_S = 60.0
# The server believes X-Forwarded-For from loopback, where the simulated trainees connect from.
TRUSTED_LOOPBACK = {"FIREDRILL_TRUSTED_PROXIES": "127.0.0.1,::1"}
ACTIONS = ("classify", "declare", "open_channel", "escalate", "post_update", "resolve")


def _percentile(values: list[float], q: float) -> float:
    s = sorted(values)
    k = max(0, min(len(s) - 1, round(q * (len(s) - 1))))
    return s[k]


def _proc_cpu_s(pid: int) -> float:
    """User + system CPU seconds a process has used so far (0 when it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def _rss_bytes(pid: int) -> int:
    with contextlib.suppress(OSError):  # the process has gone: nothing resident
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def _machine_busy_s() -> float:
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    return (sum(values) - values[3] - values[4]) / os.sysconf("SC_CLK_TCK")


def sticky_cookies(base_url: str) -> dict[str, str]:
    """The cookies a first page load sets (nginx's sticky-session cookie behind the proxy; none
    from a bare `streamlit run`), as a browser would keep them for the websocket."""
    with urllib.request.urlopen(base_url + "/", timeout=30) as r:
        out = {}
        for header in r.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            out[name.strip()] = rest.split(";", 1)[0]
        return out


def trainee_address(i: int) -> str:
    """A distinct private address per simulated trainee (10.20.0.1, 10.20.0.2, …)."""
    return f"10.20.{i // 250}.{i % 250 + 1}"


@dataclass
class Trainee:
    username: str
    address: str = ""
    latencies: list[float] = field(default_factory=list)
    confirmed: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    attempt: int | None = None
    replica: str = ""
    ready: bool = False
    sign_in_waits: int = 0
    tab_switches: int = 0  # full runs for opening an action tab (untimed, but load on the server)

    async def run(self, base_url: str, gate: asyncio.Event) -> None:
        from .st_client import ProtocolError, StreamlitSession, sign_in

        session = StreamlitSession(
            base_url, timeout_s=STEP_TIMEOUT_S, name=self.username, forwarded_for=self.address
        )
        try:
            session.cookies = await asyncio.to_thread(sticky_cookies, base_url)
            try:
                await sign_in(session, self.username, PASSWORD)
            finally:
                self.sign_in_waits = session.sign_in_waits
            self.replica = session.response_headers.get("x-firedrill-replica", "")
            await session.open_page("drill")
            self.ready = True
            await gate.wait()
            session.slide_to("Speed", "60×")
            await session.click("Start drill")
            self.attempt = int(session.query_param("attempt") or "0") or None
            if self.attempt is None:
                raise ProtocolError(f"{self.username}: Start drill opened no attempt: {session.alerts()[:2]}")

            async def act(kind: str, tab: str, button: str, fields: dict[str, str]) -> None:
                await asyncio.sleep(THINK_S)
                # As a trainee does: open the action's tab first (a run of its own when it was
                # closed, not timed: the time measured is the press's), then fill in and press.
                switched = await session.open_tab(tab)
                if switched.exceptions:
                    self.errors.append(f"{self.username} {kind}: opening {tab}: {switched.exceptions[:1]}")
                    return
                self.tab_switches += int(switched.ran)
                for label, text in fields.items():
                    widget = session.find(label)
                    options = list(getattr(widget, "options", []))
                    if options:  # a selectbox: its first option when "" is asked for
                        session.choose(label, text or options[0])
                    else:
                        session.set_text(label, text)
                outcome = await session.click(button)
                bad = [a for a in session.alerts() if "not saved" in a or "cannot" in a]
                if (
                    outcome.exceptions
                    or bad
                    or not any(a.startswith("Recorded at") for a in session.alerts())
                ):
                    self.errors.append(
                        f"{self.username} {kind}: no confirmation; "
                        f"{(outcome.exceptions + bad)[:2] or session.alerts()[:2]}"
                    )
                    return
                self.latencies.append(outcome.seconds)
                self.confirmed.append(kind)

            await act("classify", "Triage", "Classify", {"Severity": "HIGH"})
            await act("declare", "Triage", "Declare incident", {"Incident title": "Checkout failing"})
            await act(
                "open_channel", "Triage", "Open channel", {"Incident channel name": "#incident-20260310-001"}
            )
            await act("escalate", "Escalate", "Page / call", {"Call": ""})
            await act(
                "post_update",
                "Communicate",
                "Post update",
                {
                    "Update (impact, what you are doing, when the next update comes)": (
                        "Investigating: errors on checkout. Next update in 5 min."
                    )
                },
            )
            await act("resolve", "Diagnose & fix", "Resolve incident", {})
        except (ProtocolError, OSError, ValueError) as exc:  # the report counts every failure
            self.errors.append(f"{self.username}: {type(exc).__name__}: {str(exc)[:300]}")
        finally:
            await session.close()


async def _drive(base_url: str, trainees: list[Trainee]) -> float:
    gate = asyncio.Event()
    # Sign-ins are spread a little, as people arriving at a drill day are; the drills start together.
    tasks = []
    for t in trainees:
        tasks.append(asyncio.create_task(t.run(base_url, gate)))
        await asyncio.sleep(0.05)
    return await release_together(trainees, tasks, gate, ready_within=600, poll=0.2)


def prepare(url: str, usernames: list[str]) -> None:
    from .serve import prepare as prepare_in

    prepare_in(ROOT, url, usernames)


def lost_actions(url: str, trainees: list[Trainee]) -> int:
    """Actions a trainee saw confirmed that are not in the attempt's stored event log."""
    from simulator.store import attempts, open_store

    store = open_store(url)
    try:
        lost = 0
        for t in trainees:
            if t.attempt is None:
                continue
            stored = Counter(e.kind for e in attempts.events_for(store, t.attempt) if e.is_action)
            lost += sum((Counter(t.confirmed) - stored).values())
        return lost
    finally:
        store.dispose()


def measure(url: str, label: str, n: int, base_url: str, pids: list[int]) -> dict:
    """Drive `n` trainees at a server (or proxy) already running on `url`'s database."""
    trainees = [Trainee(f"proto{i:03d}", trainee_address(i)) for i in range(1, n + 1)]
    load_before = os.getloadavg()[0]
    cpu0 = sum(_proc_cpu_s(p) for p in pids)
    busy0 = _machine_busy_s()
    peak = 0
    t_all = time.perf_counter()

    async def with_sampler() -> float:
        nonlocal peak
        stop = asyncio.Event()

        async def sample() -> None:
            nonlocal peak
            while not stop.is_set():
                peak = max(peak, sum(_rss_bytes(p) for p in pids))
                await asyncio.sleep(0.5)

        sampler = asyncio.create_task(sample())
        try:
            return await _drive(base_url, trainees)
        finally:
            stop.set()
            await sampler

    wall = asyncio.run(with_sampler())
    drive_wall = time.perf_counter() - t_all
    server_cpu = sum(_proc_cpu_s(p) for p in pids) - cpu0
    machine_busy = _machine_busy_s() - busy0
    lat = [x for t in trainees for x in t.latencies]
    errors = [e for t in trainees for e in t.errors]
    replicas = Counter(t.replica for t in trainees if t.replica)
    return {
        "database": label,
        "trainees": n,
        "processes": len(pids),
        "actions_confirmed": len(lat),
        "actions_planned": n * len(ACTIONS),
        "median_s": round(statistics.median(lat), 3) if lat else None,
        "p95_s": round(_percentile(lat, 0.95), 3) if lat else None,
        "max_s": round(max(lat), 3) if lat else None,
        "errors": len(errors),
        "error_samples": errors[:5],
        "lost_actions": lost_actions(url, trainees),
        "sessions_per_replica": dict(replicas) if replicas else None,
        # "try again in N s" answers from the sign-in guard (should be 0: each trainee has its address)
        "sign_in_throttled": sum(t.sign_in_waits for t in trainees),
        # Runs for opening an action tab (3 per trainee: Escalate, Communicate, Diagnose & fix).
        "tab_switch_runs": sum(t.tab_switches for t in trainees),
        "server_rss_peak_mib": round(peak / 1024**2),
        "drills_wall_s": round(wall, 1),
        "drive_wall_s": round(drive_wall, 1),  # sign-ins included; the CPU figures cover this span
        "server_cpu_s": round(server_cpu, 1),
        "server_cores_used": round(server_cpu / drive_wall, 2) if drive_wall else None,
        # Contention-independent: what the server spent (sign-ins and live views included) per action.
        "server_cpu_s_per_action": round(server_cpu / len(lat), 3) if lat else None,
        "machine_busy_cpu_s": round(machine_busy, 1),
        "think_s": THINK_S,
        "load_average_before": round(load_before, 1),
    }


def met(run: dict) -> bool:
    return (
        run.get("p95_s") is not None
        and run["p95_s"] <= TARGET_P95_S
        and run["errors"] == 0
        and run["lost_actions"] == 0
        and run["actions_confirmed"] == run["actions_planned"]
    )


def one_process(url: str, label: str, n: int, tree: Path = ROOT, probe_log: Path | None = None) -> dict:
    """`n` trainees on one `streamlit run` of the app in `tree` (this checkout unless told), under
    the rerun meter when `probe_log` is given."""
    from . import serve

    serve.prepare(tree, url, [f"proto{i:03d}" for i in range(1, n + 1)])
    server = serve.start(url, tree, extra_env=TRUSTED_LOOPBACK, probe_log=probe_log)
    try:
        return measure(url, label, n, server.base_url, [server.pid])
    finally:
        serve.stop(server)


def one_process_sqlite(n: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="firedrill-proto-") as tmp:
        return one_process(f"sqlite:///{Path(tmp) / 'firedrill.db'}", "sqlite", n)


def knee(first: dict | None = None) -> dict:
    """Growing crowds on one process (SQLite) until p95 passes the target or anything fails;
    `first` is an already measured 20-trainee run to reuse."""
    crowds: list[dict] = []
    holds = 0
    for crowd in KNEE_CROWDS:
        run = first if crowd == 20 and first is not None else one_process_sqlite(crowd)
        crowds.append({k: run[k] for k in ("trainees", "p95_s", "median_s", "errors", "lost_actions")})
        if not met(run):
            break
        holds = crowd
    return {"crowds": crowds, "trainees_one_process_holds": holds}


def load_serve_replicas():
    """scripts/serve_replicas.py as a module (scripts/ is not a package: it is what `make` runs)."""
    spec = importlib.util.spec_from_file_location("serve_replicas", ROOT / "scripts" / "serve_replicas.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the file runs
    spec.loader.exec_module(module)
    return module


def behind_nginx(url: str, n: int, replicas: int) -> dict:
    serve = load_serve_replicas()
    prepare(url, [f"proto{i:03d}" for i in range(1, n + 1)])
    with tempfile.TemporaryDirectory(prefix="firedrill-replicas-") as run_dir:
        fleet = serve.start(replicas, url, Path(run_dir))
        try:
            return measure(url, "postgresql", n, fleet.base_url, fleet.replica_pids())
        finally:
            fleet.stop()


def _parts(parts: list[str]) -> dict:
    """Only the runs named in FIREDRILL_PROTO_ONLY ("sqlite:20", "postgresql:20", "replicas:100",
    "knee"), in that order; a PostgreSQL server is started once if any part needs it."""
    from tests.pg import _start, _stop

    wanted = []
    for part in parts:
        kind, _, count = part.partition(":")
        if kind not in ("sqlite", "postgresql", "replicas", "knee") or (
            kind != "knee" and not count.isdigit()
        ):
            raise SystemExit(
                f"FIREDRILL_PROTO_ONLY: cannot read {part!r} (e.g. sqlite:20, replicas:100, knee)"
            )
        wanted.append((kind, int(count or 0)))
    result: dict = {"parts": parts, "one_process": [], "replicas": []}
    server = None
    try:
        for kind, n in wanted:
            if kind == "sqlite":
                result["one_process"].append(one_process_sqlite(n))
            elif kind == "knee":
                result["knee"] = knee()
            else:
                if server is None:
                    server, why = _start()
                    if server is None:
                        raise SystemExit(f"PostgreSQL is needed for {kind}: {why}")
                if kind == "postgresql":
                    result["one_process"].append(one_process(server.new_database(), "postgresql", n))
                else:
                    result["replicas"].append(
                        {"replicas": REPLICAS, **behind_nginx(server.new_database(), n, REPLICAS)}
                    )
    finally:
        if server is not None:
            _stop(server)
    result["met"] = all(met(r) for r in result["one_process"] if r.get("trainees") == 20)
    save("load_protocol-" + "_".join(p.replace(":", "") for p in parts), result)
    return result


def main() -> dict:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    if ONLY:
        return _parts(ONLY)
    from tests.pg import _start, _stop

    runs: list[dict] = [one_process_sqlite(20)]
    knee_result = knee(first=runs[0])
    replica_runs: list[dict] = []
    server, why = _start()
    if server is None:
        runs.append({"database": "postgresql", "skipped": why})
    else:
        try:
            runs.append(one_process(server.new_database(), "postgresql", 20))
            if shutil.which("nginx") or Path("/usr/sbin/nginx").exists():
                for n in (20, 100):
                    replica_runs.append(
                        {"replicas": REPLICAS, **behind_nginx(server.new_database(), n, REPLICAS)}
                    )
            else:
                replica_runs.append({"skipped": "nginx is not installed (scripts/ensure-system-deps.sh)"})
        finally:
            _stop(server)
    result = {
        "one_process": runs,
        "knee": knee_result,
        "replicas": replica_runs,
        "targets": "20 trainees on one process: p95 <= 1.5 s, no errors, none lost, SQLite and PostgreSQL",
        "met": all(met(r) for r in runs),
    }
    save("load_protocol", result)
    return result


if __name__ == "__main__":
    print(main())
