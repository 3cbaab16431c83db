"""Recent changes, as `git log` shows them on shift, and reverting one.

Owns the deploy history up to the drill's current time — the scenario's own deploys among a few
ordinary, seeded commits — its `git log` / `git show` text, and recognising a revert as an action
(with the mitigation it stands for, if any). Whether the revert helped is the drill's business.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from faker import Faker

from ..durations import parse_duration
from ..scenario import Deploy, Scenario
from . import ConsoleWorld, deploy_mitigation, derived_seed

_ORDINARY = (
    ("web", "Tidy up settings page copy", ["web/settings.html"]),
    ("api", "Bump requests from 2.31.0 to 2.32.3", ["requirements.txt"]),
    ("worker", "Log job ids on retry", ["worker/jobs.py"]),
    ("api", "Add index hint for project listing", ["api/projects.py", "migrations/0142_projects_idx.sql"]),
    ("web", "Fix dark-mode contrast on charts", ["web/static/charts.css"]),
    ("docs", "Document the export API rate limits", ["docs/exports.md"]),
    (
        "api",
        "Return 404 instead of 500 for a missing dashboard",
        ["api/dashboards.py", "tests/test_dashboards.py"],
    ),
)


@dataclass(frozen=True)
class Commit:
    sha: str  # 40 hex
    at: float  # seconds from the scenario start
    time: datetime
    author: str
    email: str
    service: str
    message: str
    files: tuple[str, ...]
    reverts: str | None = None  # the sha this commit reverts
    deploy: Deploy | None = None  # the scenario's record, when it is one of its deploys

    @property
    def short(self) -> str:
        return self.sha[:7]


@dataclass(frozen=True)
class RevertAction:
    sha: str
    message: str
    mitigation: str | None
    at: float


@dataclass(frozen=True)
class GitResult:
    text: str
    error: str | None = None
    action: RevertAction | None = None


def _full_sha(short: str, seed: int) -> str:
    tail = hashlib.sha1(f"{short}\x00{seed}".encode()).hexdigest()
    return (short + tail)[:40]


def _email(name: str) -> str:
    return re.sub(r"[^a-z.]", "", name.lower().replace(" ", ".")) + "@example.com"


def _ordinary_commits(scenario: Scenario, seed: int) -> list[Commit]:
    rng = np.random.default_rng(derived_seed(seed, f"deploys/{scenario.id}"))
    fake = Faker()
    fake.seed_instance(derived_seed(seed, f"deploys/faker/{scenario.id}"))
    people = [fake.name() for _ in range(4)]
    picks = rng.choice(len(_ORDINARY), size=5, replace=False)
    # Spread over the three days before the scenario, in working hours-ish gaps.
    offsets = np.sort(rng.uniform(-3 * 86400, -2 * 3600, size=len(picks)))
    out = []
    for off, i in zip(offsets, picks, strict=True):
        service, message, files = _ORDINARY[int(i)]
        author = people[int(rng.integers(len(people)))]
        sha = hashlib.sha1(f"{scenario.id}\x00{seed}\x00{i}".encode()).hexdigest()
        at = float(round(off))
        out.append(
            Commit(
                sha,
                at,
                scenario.clock.start + timedelta(seconds=at),
                author,
                _email(author),
                service,
                message,
                tuple(files),
            )
        )
    return out


def history(world: ConsoleWorld) -> list[Commit]:
    """Every commit up to `world.now`, newest first (reverts the trainee made included)."""
    sc = world.scenario
    commits = _ordinary_commits(sc, world.seed)
    for d in sc.evidence.deploys:
        commits.append(
            Commit(
                _full_sha(d.sha, world.seed),
                d.at,
                sc.clock.start + timedelta(seconds=d.at),
                d.author,
                _email(d.author),
                d.service,
                d.message,
                tuple(d.files),
                deploy=d,
            )
        )
    visible = [c for c in commits if c.at <= world.now]
    for sha, at in sorted(world.reverted_at.items(), key=lambda kv: kv[1]):
        target = _find(visible, sha)
        if target is None:
            continue
        rsha = hashlib.sha1(f"revert\x00{target.sha}".encode()).hexdigest()
        visible.append(
            Commit(
                rsha,
                at,
                sc.clock.start + timedelta(seconds=at),
                "oncall",
                "oncall@example.com",
                target.service,
                f'Revert "{target.message}"\n\nThis reverts commit {target.sha}.',
                target.files,
                reverts=target.sha,
            )
        )
    return sorted(visible, key=lambda c: (c.at, c.sha), reverse=True)


def _find(commits: list[Commit], ref: str) -> Commit | None:
    ref = ref.strip().lower()
    if len(ref) < 4:
        return None
    found = [c for c in commits if c.sha.startswith(ref)]
    return found[0] if len(found) == 1 else None


def _git_date(t: datetime) -> str:
    return t.strftime("%a %b %-d %H:%M:%S %Y +0000")


def format_log(commits: list[Commit], *, oneline: bool = False, stat: bool = False) -> str:
    if oneline:
        return "\n".join(f"{c.short} ({c.service}) {c.message.splitlines()[0]}" for c in commits)
    blocks = []
    for c in commits:
        lines = [f"commit {c.sha}", f"Author: {c.author} <{c.email}>", f"Date:   {_git_date(c.time)}", ""]
        lines += [f"    {m}" if m else "" for m in c.message.splitlines()]
        lines.append(f"    [service: {c.service}]")
        if stat and c.files:
            lines.append("")
            lines += [f" {f}" for f in c.files]
            lines.append(f" {len(c.files)} file{'s' if len(c.files) != 1 else ''} changed")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def revert(world: ConsoleWorld, ref: str) -> GitResult:
    """Revert the commit `ref` (any unique prefix of 4+ characters) at `world.now`."""
    commits = history(world)
    target = _find(commits, ref)
    if target is None:
        return GitResult(
            "", error=f"fatal: bad revision '{ref.strip()}' (use a sha from git log, 4+ characters)"
        )
    if target.reverts:
        return GitResult(
            "", error=f"{target.short} is itself a revert; re-deploying is not part of this drill"
        )
    if any(c.reverts == target.sha for c in commits):
        return GitResult("", error=f"{target.short} is already reverted")
    mitigation = _mitigation_for(world.scenario, target)
    text = (
        f'[main {hashlib.sha1(target.sha.encode()).hexdigest()[:7]}] Revert "{target.message}"\n'
        f" {len(target.files)} file{'s' if len(target.files) != 1 else ''} changed\n"
        f"Deploy of {target.service} with the revert started."
    )
    return GitResult(text, action=RevertAction(target.sha, target.message, mitigation, world.now))


def _mitigation_for(scenario: Scenario, commit: Commit) -> str | None:
    return deploy_mitigation(scenario, commit.deploy) if commit.deploy is not None else None


def run_git(world: ConsoleWorld, command: str) -> GitResult:
    """A tiny git: `git log [--oneline] [--stat] [-n N] [--since=2h]`, `git show SHA`,
    `git revert SHA` (also without the leading `git`)."""
    words = command.strip().split()
    if words and words[0] == "git":
        words = words[1:]
    if not words:
        return GitResult("", error="usage: git log | git show <sha> | git revert <sha>")
    verb, args = words[0], words[1:]
    if verb == "log":
        commits = history(world)
        oneline = "--oneline" in args
        stat = "--stat" in args
        n: int | None = None
        for i, a in enumerate(args):
            m = re.fullmatch(r"-n(\d+)|-(\d+)|--max-count=(\d+)", a)
            if m:
                n = int(next(g for g in m.groups() if g))
            elif a == "-n" and i + 1 < len(args) and args[i + 1].isdigit():
                n = int(args[i + 1])
            elif a.startswith("--since="):
                try:
                    since = world.now - parse_duration(a.split("=", 1)[1].strip("'\""))
                except ValueError:
                    return GitResult("", error=f"git log: cannot read {a!r}; write it like --since=2h")
                commits = [c for c in commits if c.at >= since]
        if n is not None:
            commits = commits[:n]
        return GitResult(format_log(commits, oneline=oneline, stat=stat))
    if verb == "show":
        if not args:
            return GitResult("", error="usage: git show <sha>")
        target = _find(history(world), args[0])
        if target is None:
            return GitResult("", error=f"fatal: bad revision '{args[0]}'")
        return GitResult(format_log([target], stat=True))
    if verb == "revert":
        refs = [a for a in args if not a.startswith("-")]
        if len(refs) != 1:
            return GitResult("", error="usage: git revert <sha>")
        return revert(world, refs[0])
    return GitResult("", error=f"git: '{verb}' is not available here (try log, show or revert)")
