"""Run `firedrill` commands in the test process, as a shell would run them.

Starting a Python interpreter per command cost ~1.5 s of imports each time (the suite ran a few
dozen), so the CLI tests call `simulator.cli.main` directly with the working directory, stdout and
stderr swapped for the call. What they check is the same a user sees: the exit code and the text
on each stream. One test in tests/test_cli_entry.py still runs the real `python -m simulator`
entry point in a subprocess, so the console-script wiring stays covered.
"""

from __future__ import annotations

import contextlib
import io
import os
from dataclasses import dataclass
from pathlib import Path

from simulator.cli import main

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class CliResult:
    """What a shell sees of one command: its exit code and both streams (text)."""

    returncode: int
    stdout: str
    stderr: str
    stdout_bytes: bytes


def _text_stream() -> io.TextIOWrapper:
    # A real TextIOWrapper (not StringIO) so commands writing binary output via sys.stdout.buffer
    # (a PDF, say) work as they do on a terminal.
    return io.TextIOWrapper(io.BytesIO(), encoding="utf-8", newline="", write_through=True)


def run_cli(*args: str | os.PathLike, cwd: Path = ROOT) -> CliResult:
    """Run `firedrill ARGS...` in-process from `cwd` (the repository root by default)."""
    out, err = _text_stream(), _text_stream()
    with contextlib.chdir(cwd), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main([str(a) for a in args])
        except SystemExit as exc:  # argparse usage errors and --help exit this way
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    raw_out = out.buffer.getvalue()  # type: ignore[attr-defined]
    raw_err = err.buffer.getvalue()  # type: ignore[attr-defined]
    return CliResult(
        returncode=code,
        stdout=raw_out.decode("utf-8", errors="replace"),
        stderr=raw_err.decode("utf-8", errors="replace"),
        stdout_bytes=raw_out,
    )
