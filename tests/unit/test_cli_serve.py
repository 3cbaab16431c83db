"""`firedrill serve`: the command line it builds for `streamlit run` and what it hands the server.

The server itself is started from an installed wheel in tests/unit/test_packaging.py; here the
final `exec` is replaced, so the checks see the command and environment the server would get."""

from __future__ import annotations

import os
import shutil
import sys

import pytest

from simulator import content
from simulator.cli import build_parser, serve
from tests.cli import run_cli
from tests.conftest import ROOT


class _Launched(SystemExit):
    """Raised by the stand-in for os.execve: what would have been started."""

    def __init__(self, command: list[str], env: dict[str, str]) -> None:
        super().__init__(0)
        self.command, self.env = command, env


@pytest.fixture
def launched(monkeypatch):
    seen: list[_Launched] = []

    def fake_execve(path: str, command: list[str], env: dict[str, str]) -> None:
        seen.append(_Launched(command, env))
        raise seen[-1]

    monkeypatch.setattr(serve.os, "execve", fake_execve)
    monkeypatch.setattr(serve.os, "name", "posix")
    yield seen
    content.use(None)  # a --content-dir given to run_cli stays chosen in this process otherwise


def _command(*argv: str) -> list[str]:
    args = build_parser("serve").parse_args(["serve", *argv])
    return serve.streamlit_command(serve.app_script(), args)


def test_serve_help_names_the_port_the_address_the_database_and_streamlit_options():
    result = run_cli("serve", "--help")
    assert result.returncode == 0
    text = " ".join(result.stdout.split())
    for expected in ("--port PORT", "(default: 8501)", "--address ADDRESS", "--url URL", "streamlit run"):
        assert expected in text
    assert "Streamlit options go after `--`" in text and "win over the ones this command sets" in text


def test_in_a_checkout_it_runs_the_top_level_app_with_the_flags_make_run_uses():
    assert _command("--port", "8600", "--address", "127.0.0.1") == [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(ROOT / "app.py"),
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        "--server.fileWatcherType",
        "none",
        "--server.port",
        "8600",
        "--server.address",
        "127.0.0.1",
    ]


def test_streamlit_options_after_the_double_dash_are_passed_on_and_replace_ours():
    command = _command("--", "--server.port=9000", "--theme.base", "dark", "--server.fileWatcherType", "auto")
    flags = command[5:]
    assert flags == [
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        "--server.port=9000",
        "--theme.base",
        "dark",
        "--server.fileWatcherType",
        "auto",
    ]
    assert "--server.address" not in command  # not asked for: Streamlit's own default


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--port", "0"], "error: --port 0: not a port number (1-65535)"),
        (["drills"], "error: unexpected argument 'drills': streamlit options go after `--`"),
    ],
)
def test_bad_arguments_exit_2_before_the_database_is_touched(tmp_path, launched, argv, message):
    result = run_cli("serve", *argv, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == message
    assert launched == [] and not (tmp_path / "data").exists()


def test_it_prepares_the_database_then_hands_the_server_the_same_database_and_content(tmp_path, launched):
    url = f"sqlite:///{tmp_path / 'drills.db'}"
    own = tmp_path / "our-content"
    shutil.copytree(ROOT / "data", own, ignore=shutil.ignore_patterns("*.db", "*.db-*", "replicas"))
    result = run_cli("--content-dir", own, "serve", "--port", "8601", "--url", url, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"database ready: {url} (")
    assert (tmp_path / "drills.db").is_file()
    (started,) = launched
    assert started.command[:5] == [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py")]
    assert started.env["FIREDRILL_DATABASE_URL"] == url
    assert started.env[content.CONTENT_DIR_ENV] == str(own)
    assert {k: v for k, v in started.env.items() if not k.startswith("FIREDRILL_")} == {
        k: v for k, v in os.environ.items() if not k.startswith("FIREDRILL_")
    }


def test_without_choices_the_server_reads_what_this_process_reads(tmp_path, launched, monkeypatch):
    monkeypatch.delenv("FIREDRILL_DATABASE_URL", raising=False)
    monkeypatch.delenv(content.CONTENT_DIR_ENV, raising=False)
    result = run_cli("serve", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    (started,) = launched
    # The default database is data/firedrill.db under the working directory, which the server shares.
    assert (tmp_path / "data" / "firedrill.db").is_file()
    assert "FIREDRILL_DATABASE_URL" not in started.env
    assert content.CONTENT_DIR_ENV not in started.env
