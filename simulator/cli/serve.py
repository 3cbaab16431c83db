"""`firedrill serve`: run the web app, as `make run` does, from wherever firedrill is installed.

Brings the database up to date with the built-in content first (`firedrill init-db`), then replaces
this process with `streamlit run` on the packaged app (`firedrill_app/app.py`), so a service
manager's stop signal and Ctrl-C reach the server itself. The server reads the same database and
content folder as this command: `--url` and `--content-dir` are handed on as
FIREDRILL_DATABASE_URL and FIREDRILL_CONTENT_DIR.
"""

from __future__ import annotations

import argparse
import importlib.resources
import os
import subprocess
import sys
from pathlib import Path

from .. import content
from . import CliError, init_db

APP_PACKAGE = "firedrill_app"
DEFAULT_PORT = 8501

# What `make run` passes, plus no file watcher: an installed app's sources do not change while it
# runs, and watching them would cost the server a polling thread.
_STREAMLIT_DEFAULTS = {
    "server.headless": "true",
    "browser.gatherUsageStats": "false",
    "server.fileWatcherType": "none",
}


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "serve",
        help="create/upgrade the database, then serve the web app (streamlit run)",
        description="Create or upgrade the database and load the built-in scenarios (as init-db), "
        "then serve the web app with `streamlit run` until stopped (Ctrl-C). Streamlit options "
        "go after `--`, e.g. `firedrill serve --port 8080 -- --server.baseUrlPath drills`; "
        "they win over the ones this command sets.",
    )
    p.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help=f"port to listen on (default: {DEFAULT_PORT})"
    )
    p.add_argument(
        "--address",
        metavar="ADDRESS",
        help="address to listen on, e.g. 127.0.0.1 for this machine only (default: every interface)",
    )
    p.add_argument("--url", help="database URL (default: FIREDRILL_DATABASE_URL or data/firedrill.db)")
    p.add_argument(
        "streamlit_args",
        nargs=argparse.REMAINDER,
        metavar="-- STREAMLIT_OPTION ...",
        help="options passed to `streamlit run` as they are (see `streamlit run --help`)",
    )
    p.set_defaults(func=run)


def app_script() -> Path:
    """The app's entry script: in a wheel the packaged copy, in a checkout the top-level app.py
    (the package's link resolved, so the checkout's own .streamlit/config.toml applies)."""
    try:
        package = importlib.resources.files(APP_PACKAGE)
    except ModuleNotFoundError:
        package = None
    script = Path(str(package / "app.py")).resolve() if package is not None else None
    if script is None or not script.is_file():
        raise CliError(
            f"the web app is not installed (no {APP_PACKAGE}/app.py); install firedrill from its "
            "wheel, or in a checkout run `make run`"
        )
    return script


def streamlit_command(script: Path, args: argparse.Namespace) -> list[str]:
    """`python -m streamlit run SCRIPT` with this command's options and the user's own after `--`."""
    extra = list(args.streamlit_args)
    if extra[:1] == ["--"]:
        extra = extra[1:]
    if extra and not extra[0].startswith("--"):
        raise CliError(f"unexpected argument {extra[0]!r}: streamlit options go after `--`")
    if not 0 < args.port < 65536:
        raise CliError(f"--port {args.port}: not a port number (1-65535)")
    ours = {**_STREAMLIT_DEFAULTS, "server.port": str(args.port)}
    if args.address:
        ours["server.address"] = args.address
    # An option the user names after `--` replaces ours rather than appearing twice.
    given = {a[2:].split("=", 1)[0] for a in extra if a.startswith("--")}
    flags = [part for name, value in ours.items() if name not in given for part in (f"--{name}", value)]
    return [sys.executable, "-m", "streamlit", "run", str(script), *flags, *extra]


def run(args: argparse.Namespace) -> int:
    command = streamlit_command(app_script(), args)
    init_db.run(argparse.Namespace(url=args.url))
    env = dict(os.environ)
    if args.url:
        env["FIREDRILL_DATABASE_URL"] = args.url
    chosen = content.content_dir()
    if chosen != content.SHIPPED_CONTENT_DIR:
        env[content.CONTENT_DIR_ENV] = str(chosen)
    sys.stdout.flush()
    sys.stderr.flush()
    if os.name == "posix":
        os.execve(sys.executable, command, env)  # does not return
    return subprocess.call(command, env=env)
