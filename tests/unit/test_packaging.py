"""The wheel works without a checkout: built from the project's files, unpacked into a folder of its
own and run from an unrelated working directory, firedrill finds its content and the built-in
scenario pack inside the package, validates them, lists the pack and creates a database.

The wheel is built from a copy of the sources (the build writes build/ and *.egg-info beside its
sources, which must not race another run in the checkout). One build serves every test here.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.cli import run_cli
from tests.conftest import ROOT

# What the build needs: the project file, the README it names, the package and the content it links.
SOURCES = ("pyproject.toml", "README.md", "simulator", "data", "scenarios")
# A stand-in for the database `make run` creates in data/: it must not end up in the wheel.
STRAY_DATABASE = "firedrill.db"


def _copy_sources(dest: Path) -> None:
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.db", "*.db-*", "replicas")
    for name in SOURCES:
        src = ROOT / name
        if src.is_dir():
            # symlinks=True keeps simulator/shipped/* as the links they are in the checkout.
            shutil.copytree(src, dest / name, symlinks=True, ignore=ignore)
        else:
            shutil.copy2(src, dest / name)
    (dest / "data" / STRAY_DATABASE).write_bytes(b"SQLite format 3\x00")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    src = tmp_path_factory.mktemp("src")
    _copy_sources(src)
    out = tmp_path_factory.mktemp("dist")
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(src), "--no-deps", "-q", "-w", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert build.returncode == 0, build.stdout + build.stderr
    (built,) = out.glob("firedrill-*.whl")
    return built


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> Path:
    """The wheel unpacked into a folder, as an installer lays out site-packages."""
    site = tmp_path_factory.mktemp("site")
    with zipfile.ZipFile(wheel) as zf:
        zf.extractall(site)
    return site


def _firedrill(site: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run Python with only the unpacked wheel ahead of the interpreter's own packages (which
    hold the dependencies): no FIREDRILL_* setting, no checkout on the path, an unrelated folder
    as the working directory."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FIREDRILL_") and k != "PYTHONPATH"}
    env["PYTHONPATH"] = str(site)
    return subprocess.run(
        [sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )


def _shipped_files(folder: str) -> set[str]:
    base = ROOT / folder
    return {
        p.relative_to(base).as_posix()
        for p in base.rglob("*")
        if p.suffix in (".yaml", ".yml") and p.is_file()
    }


def test_the_wheel_carries_every_content_file_and_scenario_and_no_database(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for folder in ("data", "scenarios"):
        prefix = f"simulator/shipped/{folder}/"
        packed = {n.removeprefix(prefix) for n in names if n.startswith(prefix)}
        assert packed == _shipped_files(folder), folder
    assert not [n for n in names if n.endswith((".db", ".db-wal", ".db-shm"))]


def test_an_installed_firedrill_reads_its_content_from_the_package_not_a_checkout(installed, tmp_path):
    probe = _firedrill(
        installed,
        tmp_path,
        "-c",
        "import json, simulator, simulator.content as c;"
        "print(json.dumps([simulator.__file__, str(c.content_dir()), str(c.SHIPPED_SCENARIO_DIR)]))",
    )
    assert probe.returncode == 0, probe.stderr
    module, content_dir, scenario_dir = map(Path, json.loads(probe.stdout))
    for where in (module, content_dir, scenario_dir):
        assert where.is_relative_to(installed) and not where.is_relative_to(ROOT), where
    assert content_dir == installed / "simulator" / "shipped" / "data"
    assert (content_dir / "policy.yaml").read_text() == (ROOT / "data" / "policy.yaml").read_text()


def test_an_installed_firedrill_validates_its_shipped_pack_and_content(installed, tmp_path):
    shipped = installed / "simulator" / "shipped"
    result = _firedrill(
        installed, tmp_path, "-m", "simulator", "validate", str(shipped / "scenarios"), str(shipped / "data")
    )
    assert result.returncode == 0, result.stderr
    ok = [line for line in result.stdout.splitlines() if line.startswith("ok: ")]
    expected = {str(shipped / "scenarios" / n) for n in _shipped_files("scenarios")} | {
        str(shipped / "data" / n) for n in _shipped_files("data")
    }
    assert {line.split()[1] for line in ok} == expected


def test_an_installed_firedrill_lists_the_built_in_pack_the_checkout_holds(installed, tmp_path):
    listed = _firedrill(installed, tmp_path, "-m", "simulator", "content", "--scenarios")
    assert listed.returncode == 0, listed.stderr
    from_checkout = run_cli("content", "--scenarios")
    assert from_checkout.returncode == 0, from_checkout.stderr
    assert listed.stdout == from_checkout.stdout
    assert listed.stdout.strip()


def test_an_installed_firedrill_creates_its_database_in_the_working_directory(installed, tmp_path):
    pack = run_cli("content", "--scenarios").stdout.splitlines()
    result = _firedrill(installed, tmp_path, "-m", "simulator", "init-db")
    assert result.returncode == 0, result.stderr
    database = tmp_path / "data" / "firedrill.db"
    assert result.stdout.strip() == f"database ready: sqlite:///{database} ({len(pack)} built-in scenarios)"
    assert database.is_file()


def test_an_explicit_content_directory_wins_over_the_packaged_one(installed, tmp_path):
    own = tmp_path / "our-content"
    shutil.copytree(installed / "simulator" / "shipped" / "data", own)
    result = _firedrill(installed, tmp_path, "-m", "simulator", "--content-dir", str(own), "content")
    assert result.returncode == 0, result.stderr
    assert f"content: {own}\n" in result.stdout


def test_no_module_finds_the_checkout_by_climbing_from_its_own_file():
    """Content is package data (simulator.content); a path above a module's own folder would
    point into the checkout, which an installed wheel does not have."""
    modules = [ROOT / "app.py", *(p for d in ("simulator", "ui", "pages") for p in (ROOT / d).rglob("*.py"))]
    climbing = [
        f"{p.relative_to(ROOT)}:{n}"
        for p in modules
        for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
        if "__file__" in line and ("parents[" in line or ".parent.parent" in line)
    ]
    assert climbing == []
