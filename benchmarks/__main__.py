"""Run every benchmark (`python -m benchmarks [NAME...]`, or `make bench`) and print the results.

Each `bench_*.py` module exposes `main() -> dict` and saves its figures to benchmarks/out/; the
numbers quoted in benchmarks/README.md come from these runs.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import sys
from pathlib import Path

from .common import machine


def main(argv: list[str]) -> int:
    names = sorted(
        m.name for m in pkgutil.iter_modules([str(Path(__file__).parent)]) if m.name.startswith("bench_")
    )
    wanted = [f"bench_{a.removeprefix('bench_')}" for a in argv] or names
    unknown = [w for w in wanted if w not in names]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; available: {', '.join(names)}", file=sys.stderr)
        return 2
    print(f"machine: {machine()}")
    failed = 0
    for name in wanted:
        module = importlib.import_module(f"benchmarks.{name}")
        print(f"\n## {name}")
        result = module.main()
        print(json.dumps(result, indent=2, default=str))
        if isinstance(result, dict) and result.get("met") is False:  # bench_alerts prints a table instead
            failed += 1
    print(f"\n{len(wanted) - failed} of {len(wanted)} benchmarks met their targets")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
