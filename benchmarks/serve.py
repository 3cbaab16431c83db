"""Starting and stopping one `streamlit run` server for a load benchmark.

Like `tests.e2e.conftest.start_server`, but the app may come from another tree (an older commit
unpacked from git, for a before/after figure), the server's output goes to a file instead of an
unread pipe (twenty sessions' warnings can fill a pipe and stall the server), and the server can
be started under `rerun_probe.py`, which meters every script run.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROBE = Path(__file__).resolve().parent / "rerun_probe.py"


@dataclass
class Server:
    proc: subprocess.Popen
    base_url: str
    log: Path

    @property
    def pid(self) -> int:
        return self.proc.pid


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def unpack(rev: str, into: Path) -> Path:
    """The tree at `rev` as files (`git archive`), for a server of that version."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev], capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive.stdout, check=True)
    return into


def prepare(tree: Path, url: str, usernames: list[str]) -> None:
    """Schema, built-in content, the test users and `usernames` (trainees), made by `tree`'s code."""
    code = (
        "import sys\n"
        "from simulator.store import open_store\n"
        "from tests.e2e.conftest import prepare_database\n"
        "from tests.helpers import ensure_user\n"
        "prepare_database(sys.argv[1])\n"
        "store = open_store(sys.argv[1])\n"
        "for name in sys.argv[2:]:\n"
        "    ensure_user(store, name, 'trainee')\n"
        "store.dispose()\n"
    )
    env = {**os.environ, "PYTHONPATH": str(tree)}
    subprocess.run([sys.executable, "-c", code, url, *usernames], cwd=tree, env=env, check=True)


def start(
    url: str,
    tree: Path = ROOT,
    extra_env: dict[str, str] | None = None,
    probe_log: Path | None = None,
    profile: Path | None = None,
    log: Path | None = None,
) -> Server:
    """Start the app in `tree` on a free loopback port against `url`; return once it is healthy."""
    port = _free_port()
    env = {**os.environ, "FIREDRILL_DATABASE_URL": url, "PYTHONPATH": str(tree), **(extra_env or {})}
    if probe_log is not None:
        env["FIREDRILL_RERUN_LOG"] = str(probe_log)
        if profile is not None:
            env["FIREDRILL_RERUN_PROFILE"] = str(profile)
        cmd = [sys.executable, str(PROBE), "run", str(tree / "app.py")]
    else:
        cmd = [sys.executable, "-m", "streamlit", "run", str(tree / "app.py")]
    cmd += ["--server.headless", "true", "--server.port", str(port), "--server.address", "127.0.0.1"]
    cmd += ["--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false"]
    log = log or Path(os.environ.get("TMPDIR", "/tmp")) / f"firedrill-bench-server-{port}.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, cwd=tree, env=env, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited early:\n{log.read_text(errors='replace')[-3000:]}")
        with contextlib.suppress(OSError), urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as r:
            if r.read().decode().strip() == "ok":
                return Server(proc, base, log)
        time.sleep(0.3)
    proc.kill()
    raise RuntimeError(f"the server in {tree} did not become healthy within 90 s")


def stop(server: Server) -> None:
    """SIGTERM (the probe writes its profile on a clean exit), then kill after 30 s."""
    server.proc.terminate()
    try:
        server.proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.proc.kill()
        server.proc.wait()
