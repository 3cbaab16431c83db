"""Routing decisions agree with the real `amtool config routes test` (Alertmanager 0.25).

Route trees and label sets are generated from fixed seeds (matchers of every kind, legacy
match/match_re, `continue`, nesting); each label set is checked with `--verify.receivers` set to
what firedrill's `match_routes` says, so amtool exits 0 only when both agree. The team's own
data/alertmanager.yml is checked the same way, and every generated file must pass
`amtool check-config` and firedrill's validator alike.
"""

from __future__ import annotations

import random
import subprocess
from pathlib import Path

import pytest
import yaml

from simulator.routing import load_config, match_routes, parse_config
from tests.conftest import ROOT, require_tool

pytestmark = pytest.mark.oracle

VOCAB = {
    "severity": ["critical", "high", "medium", "low", "warning"],
    "service": ["api", "web", "db", "cache", "api.v2", "eu-west-1"],
    "team": ["platform", "data", "security"],
    "env": ["prod", "staging"],
    "category": ["security", "capacity"],
    "alertname": ["APIDown", "DBPoolHigh", "DiskFilling", "LatencyHigh"],
}
RECEIVERS = ["pager", "incidents", "monitoring", "tickets", "security", "data-team"]


def _matcher(rng: random.Random) -> str:
    name = rng.choice(list(VOCAB))
    values = VOCAB[name]
    op = rng.choice(["=", "=", "!=", "=~", "!~"])
    if op in ("=~", "!~"):
        pick = rng.sample(values, rng.randint(1, 2))
        value = "|".join(pick) if rng.random() < 0.7 else pick[0][:2] + ".*"
    else:
        value = rng.choice([*values, ""]) if op == "!=" else rng.choice(values)
    return f'{name}{op}"{value}"'


def _route(rng: random.Random, depth: int) -> dict:
    route: dict = {}
    style = rng.random()
    if style < 0.7:
        route["matchers"] = [_matcher(rng) for _ in range(rng.randint(1, 2))]
    elif style < 0.85:
        name = rng.choice(list(VOCAB))
        route["match"] = {name: rng.choice(VOCAB[name])}
    else:
        name = rng.choice(list(VOCAB))
        route["match_re"] = {name: "|".join(rng.sample(VOCAB[name], 2))}
    if rng.random() < 0.7:
        route["receiver"] = rng.choice(RECEIVERS)
    if rng.random() < 0.35:
        route["continue"] = True
    if rng.random() < 0.3:
        route["group_by"] = rng.choice([["alertname"], ["..."], ["service", "alertname"]])
    if depth < 3 and rng.random() < 0.45:
        route["routes"] = [_route(rng, depth + 1) for _ in range(rng.randint(1, 3))]
    return route


def generated_config(seed: int) -> dict:
    rng = random.Random(seed)
    return {
        "route": {
            "receiver": "monitoring",
            "group_by": ["alertname", "service"],
            "routes": [_route(rng, 1) for _ in range(rng.randint(2, 5))],
        },
        "receivers": [{"name": r} for r in RECEIVERS],
    }


def label_sets(seed: int, n: int) -> list[dict[str, str]]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        names = rng.sample(list(VOCAB), rng.randint(1, len(VOCAB)))
        out.append({k: rng.choice([*VOCAB[k], "other"]) for k in names})
    return out


def _amtool_agrees(amtool: str, config_file: Path, labels: dict[str, str], expected: list[str]) -> str | None:
    """None when amtool resolves the same receivers, else amtool's own answer."""
    args = [f"{k}={v}" for k, v in sorted(labels.items())]
    proc = subprocess.run(
        [
            amtool,
            "config",
            "routes",
            "test",
            f"--config.file={config_file}",
            f"--verify.receivers={','.join(expected)}",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=30,
    )
    if proc.returncode == 0:
        return None
    return proc.stdout.strip() or proc.stderr.strip()


def _check(amtool: str, config_file: Path, sets: list[dict[str, str]]) -> None:
    config = load_config(config_file)
    mismatches = []
    for labels in sets:
        ours = match_routes(config, labels)
        theirs = _amtool_agrees(amtool, config_file, labels, ours)
        if theirs is not None:
            mismatches.append(f"{labels}: firedrill {ours}, amtool {theirs!r}")
    assert not mismatches, f"{len(mismatches)} of {len(sets)} label sets disagree:\n" + "\n".join(
        mismatches[:10]
    )


def test_the_team_routing_config_routes_every_label_set_as_amtool_does():
    amtool = require_tool("amtool")
    _check(amtool, ROOT / "data" / "alertmanager.yml", label_sets(2026, 80))


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5, 6])
def test_generated_route_trees_route_every_label_set_as_amtool_does(seed, tmp_path):
    amtool = require_tool("amtool")
    path = tmp_path / "alertmanager.yml"
    path.write_text(yaml.safe_dump(generated_config(seed), sort_keys=False))
    check = subprocess.run([amtool, "check-config", str(path)], capture_output=True, text=True, timeout=30)
    assert check.returncode == 0, check.stdout + check.stderr
    _check(amtool, path, label_sets(seed * 101, 50))


def test_the_generated_trees_exercise_continue_nesting_and_fallback_to_the_root():
    """Guard against a generator that only ever produces trivial trees."""
    seen_multi = seen_root = seen_nested = False
    for seed in range(1, 7):
        config = parse_config(yaml.safe_dump(generated_config(seed)))
        seen_nested |= any(r.routes for r in config.route.routes)
        for labels in label_sets(seed * 101, 50):
            got = match_routes(config, labels)
            seen_multi |= len(got) > 1
            seen_root |= got == ["monitoring"]
    assert seen_multi and seen_root and seen_nested


def test_a_config_amtool_rejects_is_rejected_by_firedrill_too(tmp_path):
    amtool = require_tool("amtool")
    bad = {
        "undefined receiver": {"route": {"receiver": "nobody"}, "receivers": [{"name": "a"}]},
        "root matchers": {"route": {"receiver": "a", "matchers": ['x="1"']}, "receivers": [{"name": "a"}]},
        "root continue": {"route": {"receiver": "a", "continue": True}, "receivers": [{"name": "a"}]},
        "duplicate receiver": {"route": {"receiver": "a"}, "receivers": [{"name": "a"}, {"name": "a"}]},
        "zero group_interval": {
            "route": {"receiver": "a", "group_interval": "0s"},
            "receivers": [{"name": "a"}],
        },
        "wildcard and labels": {
            "route": {"receiver": "a", "group_by": ["...", "x"]},
            "receivers": [{"name": "a"}],
        },
        "bad matcher": {
            "route": {"receiver": "a", "routes": [{"matchers": ['sev="x']}]},
            "receivers": [{"name": "a"}],
        },
        "unknown key": {"route": {"receiver": "a", "recevier": "b"}, "receivers": [{"name": "a"}]},
    }
    from simulator.yamlio import FormatError

    for what, cfg in bad.items():
        path = tmp_path / "am.yml"
        text = yaml.safe_dump(cfg)
        path.write_text(text)
        proc = subprocess.run([amtool, "check-config", str(path)], capture_output=True, text=True, timeout=30)
        assert proc.returncode != 0, f"amtool accepted {what}"
        with pytest.raises(FormatError):
            parse_config(text, "am.yml")
