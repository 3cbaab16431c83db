"""Serve a drill day: N `streamlit run` replicas of firedrill on one PostgreSQL, behind nginx.

`make serve-replicas N=3` (or `python scripts/serve_replicas.py --replicas 3`) prepares the database
once, starts N replicas on loopback ports, renders deploy/nginx.conf.template (sticky sessions by
cookie, websocket upgrade) into a run folder and runs Debian's nginx in front of them. It stays in
the foreground: Ctrl-C (or SIGTERM) stops nginx and every replica. A replica that dies is started
again on its port (its trainees reconnect and sign in again; their drills are in the database).

Why replicas: one Streamlit process runs every session's script in one Python interpreter, so it
uses at most about one core however many the machine has. Replicas share nothing but PostgreSQL,
where every drill event, clock and cohort lives, so a trainer's board on one replica sees trainees
on all of them.

`start()` / `Fleet` are also used by benchmarks/bench_load_protocol.py and tests/postgres/test_replicas.py.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "deploy" / "nginx.conf.template"
HEALTH_TIMEOUT_S = 90.0


class ServeError(RuntimeError):
    """Something the operator must fix (a missing nginx, a SQLite URL, a port in use…)."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def find_nginx() -> str:
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if found is None:
        raise ServeError(
            "nginx is not installed: run `make system-deps` (Debian package `nginx`) and try again"
        )
    return found


def check_database_url(url: str) -> None:
    if not url:
        raise ServeError(
            "no database: set FIREDRILL_DATABASE_URL (or --database-url) to the PostgreSQL database "
            "every replica shares, e.g. postgresql+psycopg://firedrill@db.example/firedrill"
        )
    if not url.startswith(("postgresql", "postgres")):
        raise ServeError(
            f"replicas share one PostgreSQL database, and {url.split(':', 1)[0]!r} is not PostgreSQL: "
            "SQLite belongs to a single process (`make run`)"
        )


def render_config(listen: str, replica_ports: list[int], run_dir: Path) -> str:
    servers = "\n".join(f"        server 127.0.0.1:{p} max_fails=0;" for p in replica_ports)
    text = TEMPLATE.read_text()
    for name, value in (("@RUN_DIR@", str(run_dir)), ("@LISTEN@", listen), ("@UPSTREAM_SERVERS@", servers)):
        text = text.replace(name, value)
    return text


def _healthy(url: str, proc: subprocess.Popen, what: str, log: Path) -> None:
    deadline = time.monotonic() + HEALTH_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            tail = log.read_text(errors="replace")[-1500:] if log.exists() else ""
            raise ServeError(f"{what} exited with code {proc.returncode}; the end of {log}:\n{tail}")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.read().decode().strip() == "ok":
                    return
        except OSError:
            time.sleep(0.3)
    raise ServeError(f"{what} did not answer {url} within {HEALTH_TIMEOUT_S:.0f} s (log: {log})")


@dataclass
class Replica:
    index: int
    port: int
    log: Path
    env: dict[str, str]
    proc: subprocess.Popen | None = None
    restarts: int = 0

    def start(self) -> None:
        out = self.log.open("ab")
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                str(ROOT / "app.py"),
                "--server.headless",
                "true",
                "--server.port",
                str(self.port),
                "--server.address",
                "127.0.0.1",  # only nginx talks to a replica
                "--server.fileWatcherType",
                "none",
                "--browser.gatherUsageStats",
                "false",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        out.close()

    def wait_healthy(self) -> None:
        assert self.proc is not None
        _healthy(f"http://127.0.0.1:{self.port}/_stcore/health", self.proc, f"replica {self.index}", self.log)


@dataclass
class Fleet:
    """Running replicas and their nginx."""

    base_url: str
    run_dir: Path
    replicas: list[Replica]
    nginx: subprocess.Popen
    nginx_cmd: list[str] = field(default_factory=list)

    def replica_pids(self) -> list[int]:
        return [r.proc.pid for r in self.replicas if r.proc is not None]

    def replica_of(self, upstream: str) -> int | None:
        """The replica index behind an `X-Firedrill-Replica` value (127.0.0.1:PORT)."""
        for r in self.replicas:
            if upstream.endswith(f":{r.port}"):
                return r.index
        return None

    def restart_dead(self) -> list[int]:
        """Start again every replica that has exited; their indexes."""
        restarted = []
        for r in self.replicas:
            if r.proc is not None and r.proc.poll() is not None:
                print(
                    f"replica {r.index} (port {r.port}) exited with code {r.proc.returncode}; starting it again",
                    file=sys.stderr,
                )
                r.restarts += 1
                r.start()
                r.wait_healthy()
                restarted.append(r.index)
        return restarted

    def stop(self) -> None:
        procs = [self.nginx, *(r.proc for r in self.replicas if r.proc is not None)]
        for p in procs:
            if p.poll() is None:
                p.terminate()
        for p in procs:
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(timeout=5)


def start(
    n: int,
    database_url: str,
    run_dir: Path,
    port: int | None = None,
    listen_host: str = "127.0.0.1",
    replica_ports: list[int] | None = None,
) -> Fleet:
    """Prepare the database, start `n` replicas and nginx in front; return once all answer."""
    if n < 1:
        raise ServeError(f"--replicas must be at least 1, not {n}")
    check_database_url(database_url)
    nginx = find_nginx()
    if not TEMPLATE.exists():
        raise ServeError(f"the nginx template {TEMPLATE} is missing")
    port = port or free_port()
    replica_ports = replica_ports or [free_port() for _ in range(n)]
    if len(replica_ports) != n:
        raise ServeError(f"{n} replicas need {n} ports, got {len(replica_ports)}")
    run_dir = run_dir.resolve()
    run_dir.mkdir(parents=True, exist_ok=True)
    # When nginx starts as root its worker runs as `nobody`, which must reach the run folder.
    run_dir.chmod(0o755)
    env = {
        **os.environ,
        "FIREDRILL_DATABASE_URL": database_url,
        # One cookie secret for all replicas: any cookie Streamlit signs on one is valid on another.
        "STREAMLIT_SERVER_COOKIE_SECRET": os.environ.get(
            "STREAMLIT_SERVER_COOKIE_SECRET", secrets.token_urlsafe(32)
        ),
        # nginx runs on this machine: the replicas believe its X-Forwarded-For, so the sign-in
        # guard throttles each browser, not the proxy that carries them all.
        "FIREDRILL_TRUSTED_PROXIES": os.environ.get("FIREDRILL_TRUSTED_PROXIES", "127.0.0.1,::1"),
    }
    # Migrate and load the built-in content once, before N processes would race to do it.
    init = subprocess.run(
        [sys.executable, "-m", "simulator", "init-db", "--url", database_url],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if init.returncode != 0:
        raise ServeError(f"preparing the database failed:\n{(init.stderr or init.stdout).strip()[-1500:]}")
    replicas = [Replica(i + 1, p, run_dir / f"replica-{i + 1}.log", env) for i, p in enumerate(replica_ports)]
    nginx_proc: subprocess.Popen | None = None
    try:
        for r in replicas:
            r.start()
        for r in replicas:
            r.wait_healthy()
        conf = run_dir / "nginx.conf"
        conf.write_text(render_config(f"{listen_host}:{port}", replica_ports, run_dir))
        cmd = [nginx, "-p", str(run_dir), "-c", str(conf)]
        check = subprocess.run([*cmd, "-t"], capture_output=True, text=True, timeout=30)
        if check.returncode != 0:
            raise ServeError(f"nginx refused the configuration {conf}:\n{check.stderr.strip()}")
        log = run_dir / "nginx-error.log"
        with (run_dir / "nginx-stdout.log").open("ab") as out:
            nginx_proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT)
        host = "127.0.0.1" if listen_host in ("0.0.0.0", "::", "[::]") else listen_host
        base = f"http://{host}:{port}"
        _healthy(f"{base}/_stcore/health", nginx_proc, "nginx", log)
        return Fleet(base, run_dir, replicas, nginx_proc, cmd)
    except BaseException:
        for p in [nginx_proc, *(r.proc for r in replicas)]:
            if p is not None and p.poll() is None:
                p.kill()
                p.wait(timeout=10)
        raise


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0], prog="serve_replicas.py")
    ap.add_argument("--replicas", "-n", type=int, default=2, help="number of streamlit processes (default 2)")
    ap.add_argument("--port", type=int, default=8501, help="the port nginx listens on (default 8501)")
    ap.add_argument("--listen", default="0.0.0.0", help="the address nginx listens on (default all)")
    ap.add_argument(
        "--replica-port",
        type=int,
        default=None,
        help="first replica port; the others follow (default: PORT+1 …; 0: any free ports)",
    )
    ap.add_argument(
        "--database-url",
        default=os.environ.get("FIREDRILL_DATABASE_URL", ""),
        help="the shared PostgreSQL database (default: FIREDRILL_DATABASE_URL)",
    )
    ap.add_argument("--run-dir", type=Path, default=ROOT / "data" / "replicas", help="config and logs")
    args = ap.parse_args(argv)
    first = args.port + 1 if args.replica_port is None else args.replica_port
    try:
        fleet = start(
            args.replicas,
            args.database_url,
            args.run_dir,
            port=args.port,
            listen_host=args.listen,
            replica_ports=list(range(first, first + args.replicas)) if first else None,
        )
    except ServeError as exc:
        print(f"serve-replicas: {exc}", file=sys.stderr)
        return 2
    stopping = False

    def on_signal(signum, frame) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    ports = ", ".join(str(r.port) for r in fleet.replicas)
    print(
        f"firedrill: {args.replicas} replicas (127.0.0.1 ports {ports}) behind nginx at "
        f"http://{args.listen}:{args.port}; config and logs in {fleet.run_dir}. Ctrl-C stops everything.",
        flush=True,
    )
    code = 0
    try:
        while not stopping:
            if fleet.nginx.poll() is not None:
                print(f"nginx exited (code {fleet.nginx.returncode}); see {fleet.run_dir}", file=sys.stderr)
                code = 1
                break
            try:
                fleet.restart_dead()
            except ServeError as exc:
                print(f"serve-replicas: {exc}", file=sys.stderr)
                code = 1
                break
            time.sleep(1)
    finally:
        fleet.stop()
    return code


if __name__ == "__main__":
    sys.exit(main())
