"""`firedrill generate SCENARIO`: write a scenario's metric traces as CSV, Parquet or OpenMetrics."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..scenario import load_scenario
from ..traces import generate_trace
from . import CliError

FORMATS = ("csv", "parquet", "openmetrics")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("generate", help="generate a scenario's metric traces")
    p.add_argument("scenario", metavar="SCENARIO", help="path to a scenario YAML file")
    p.add_argument("-o", "--output", metavar="FILE", help="write here instead of standard output")
    p.add_argument("--format", choices=FORMATS, help="default: from the file extension, else csv")
    p.add_argument("--seed", type=int, help="override the scenario's seed (a new variant)")
    p.set_defaults(func=run)


def _format_for(args: argparse.Namespace) -> str:
    if args.format:
        return args.format
    if args.output:
        suffix = Path(args.output).suffix.lower()
        return {".parquet": "parquet", ".om": "openmetrics", ".txt": "openmetrics"}.get(suffix, "csv")
    return "csv"


def run(args: argparse.Namespace) -> int:
    if args.seed is not None and args.seed < 0:
        raise CliError("--seed must be zero or a positive whole number")
    loaded = load_scenario(args.scenario)
    trace = generate_trace(loaded.scenario, seed=args.seed)
    fmt = _format_for(args)
    if fmt == "parquet":
        if not args.output:
            raise CliError("parquet is binary: give an output file with -o FILE")
        data: bytes | str = trace.to_parquet()
    elif fmt == "openmetrics":
        data = trace.to_openmetrics()
    else:
        data = trace.to_csv()
    if args.output:
        out = Path(args.output)
        try:
            if isinstance(data, bytes):
                out.write_bytes(data)
            else:
                out.write_text(data, encoding="utf-8")
        except OSError as exc:
            raise CliError(f"cannot write {out}: {exc.strerror}") from None
        print(f"wrote {len(trace.series)} series x {len(trace)} samples to {out} ({fmt})", file=sys.stderr)
    else:
        sys.stdout.write(data if isinstance(data, str) else data.decode())
    return 0
