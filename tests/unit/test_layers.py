"""The layering the code is built on, checked on the source so a shortcut fails here and not in review.

- `simulator/store` holds repositories (tables, get/insert/query); the use cases that compose them
  with the pure core live in `simulator/services`. No other module of `simulator/` (the core, the
  CLI) imports the store: the CLI calls services like the pages do.
- Pages (`pages/`) talk to services only, never to `simulator.store`.
- `simulator/` never imports Streamlit: it runs under the CLI, tests and benchmarks without it.
- Each page stays a thin script of at most `PAGE_LINE_LIMIT` lines; view helpers live in `ui/`.

Imports are read with `ast`, including imports inside functions (a lazy import is still a
dependency) and relative imports, resolved against the importing module's package.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import ROOT

PAGE_LINE_LIMIT = 150
PAGES = sorted((ROOT / "pages").glob("*.py"))
SIMULATOR_MODULES = sorted((ROOT / "simulator").rglob("*.py"))


def _module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(path: Path, root: Path = ROOT) -> list[tuple[int, str]]:
    """(line, absolute module name) of every import in the file; `from a import b` also yields
    `a.b`, since b may be a module (`from simulator.store import attempts`)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = _module_name(path, root).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            found.append((node.lineno, target))
            found.extend((node.lineno, f"{target}.{alias.name}") for alias in node.names)
    return found


def _imports_of(path: Path, prefix: str) -> list[str]:
    return sorted(
        {
            f"{path.relative_to(ROOT)}:{line} imports {name}"
            for line, name in imported_modules(path)
            if name == prefix or name.startswith(prefix + ".")
        }
    )


def test_the_import_reader_sees_relative_lazy_and_from_imports(tmp_path):
    """The checks below are only as good as the reader: a relative import inside a function of a
    sub-package resolves to the absolute module, and `from x import y` reports x.y."""
    module = tmp_path / "simulator" / "cli" / "example.py"
    module.parent.mkdir(parents=True)
    module.write_text(
        "def f():\n    from ..store import attempts\n    import streamlit as st\n", encoding="utf-8"
    )
    names = [name for _, name in imported_modules(module, tmp_path)]
    assert "simulator.store.attempts" in names
    assert "streamlit" in names


@pytest.mark.parametrize(
    "path",
    [p for p in SIMULATOR_MODULES if p.relative_to(ROOT).parts[1] not in ("store", "services")],
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_only_services_use_the_store(path):
    assert _imports_of(path, "simulator.store") == [], (
        "only simulator/services composes the repositories in simulator/store; call a service instead"
    )


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.name)
def test_pages_call_services_not_the_store(path):
    assert _imports_of(path, "simulator.store") == [], "a page reaches the data through simulator.services"


@pytest.mark.parametrize("path", SIMULATOR_MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_the_simulator_never_imports_streamlit(path):
    assert _imports_of(path, "streamlit") == [], "simulator/ is pure; Streamlit belongs in pages/ and ui/"


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.name)
def test_pages_stay_thin(path):
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= PAGE_LINE_LIMIT, (
        f"{path.relative_to(ROOT)} has {lines} lines (at most {PAGE_LINE_LIMIT}): move view helpers "
        "to a ui/ module named by what it shows and logic to simulator/services"
    )
