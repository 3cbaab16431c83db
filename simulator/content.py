"""The team's content directory and its files, read once per process; where the built-in
scenario pack is.

Owns where program content lives (policy.yaml, team.yaml, alertmanager.yml, curriculum.yaml,
runbooks/, presets/) and the parsed policy, team and routing config every caller shares. A drill
page asks for these every second; parsing YAML and validating it with pydantic each time was most
of a live drill's server cost, so each file is parsed once per (directory, file) and kept.

The directory is, in order: the one chosen with `use()` (the CLI's `--content-dir`), the
`FIREDRILL_CONTENT_DIR` environment variable, or the content shipped with the package. The
shipped content and scenario pack are package data (`simulator/shipped/`, found through
importlib.resources): in a checkout those are links to the top-level `data/` and `scenarios/`,
in a wheel copies of them, so an installed firedrill needs no checkout.
The parsed values are frozen pydantic models, safe to share between threads and sessions.
"""

from __future__ import annotations

import importlib.resources
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar, cast

T = TypeVar("T")

CONTENT_DIR_ENV = "FIREDRILL_CONTENT_DIR"


def _shipped(folder: str) -> Path:
    """A folder of the package's shipped content, as a real path (scenario includes, rule files
    and the studio's templates are read with plain file I/O). Resolved, so a checkout reports
    `data/policy.yaml` where the file really is, not the link inside the package."""
    return Path(str(importlib.resources.files("simulator") / "shipped" / folder)).resolve()


SHIPPED_CONTENT_DIR = _shipped("data")
# The built-in scenario pack: scenario files, their expert responses, shared rule files and the
# studio's templates/.
SHIPPED_SCENARIO_DIR = _shipped("scenarios")

_chosen: Path | None = None
_cache: dict[tuple[str, Path], Any] = {}
_lock = threading.Lock()


class ContentDirError(ValueError):
    """The content directory asked for does not exist or is not a directory."""


def use(directory: str | Path | None) -> Path | None:
    """Read content from `directory` from now on (None: back to the environment/default)."""
    global _chosen
    if directory is None:
        _chosen = None
        return None
    path = Path(directory).expanduser().resolve()
    if not path.is_dir():
        raise ContentDirError(
            f"content directory {directory} does not exist or is not a directory "
            "(it should hold policy.yaml, team.yaml and alertmanager.yml)"
        )
    _chosen = path
    return path


def content_dir() -> Path:
    """The directory content is read from now."""
    if _chosen is not None:
        return _chosen
    env = os.environ.get(CONTENT_DIR_ENV, "").strip()
    if env:
        return Path(env).expanduser().resolve()
    return SHIPPED_CONTENT_DIR


def path(name: str) -> Path:
    """A content file or folder, e.g. `path("team.yaml")` or `path("presets/solo-developer")`."""
    return content_dir() / name


def parsed(file_name: str, load: Callable[[Path], T]) -> T:
    """`load(path(file_name))`, parsed once per process and content directory. The typed
    accessors live with their models (`policy.default_policy`, `oncall.default_team`,
    `routing.config.default_config`), so this module imports none of them."""
    key = (file_name, path(file_name))
    hit = _cache.get(key)
    if hit is not None:
        return cast(T, hit)
    with _lock:
        hit = _cache.get(key)
        if hit is None:
            # A broken file raises its FormatError here and is not cached: fixing it and
            # reloading the page is enough.
            hit = load(key[1])
            _cache[key] = hit
    return cast(T, hit)


def forget() -> None:
    """Drop every parsed file, so the next call reads the files again (tests, after an edit)."""
    with _lock:
        _cache.clear()
