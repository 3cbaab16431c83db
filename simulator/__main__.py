"""`python -m simulator` is the `firedrill` command."""

from .cli import run

run()
