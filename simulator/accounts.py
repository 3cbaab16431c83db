"""Account rules: the password and username policy, sign-in guessing limits, session expiry.

Owns the pure decisions behind sign-in so the UI and the store can share them and
tests can check them without a browser. It does not hash passwords or touch the database
(`simulator.store.accounts` does) and never reads the clock: `now` is passed in.
"""

from __future__ import annotations

import math
import re
from datetime import datetime, timedelta

# Roles and who may do what live in `simulator.permissions` (the one permission table); the
# names are re-exported here because account code and older callers import them from this module.
from .permissions import CAPABILITIES as PERMISSIONS
from .permissions import ROLES, STAFF, may

__all__ = ["PERMISSIONS", "ROLES", "STAFF", "AccountError", "may"]

ROLE_PLURAL = {"admin": "administrators", "trainer": "trainers", "trainee": "trainees"}

MIN_PASSWORD_LENGTH = 10
DEFAULT_IDLE_TIMEOUT = timedelta(hours=8)
_USERNAME_RE = re.compile(r"^[a-z][a-z0-9._-]{1,39}$")


# Online password guessing (see `simulator.store.sign_in_guard`): each source (client address) has
# a few free failures per window, then waits 2 s, 4 s, 8 s … (at most the window) before its next
# try, so one source gets roughly a dozen guesses per quarter hour and cannot lock anyone out. Only
# failures from many sources against one account lock it, until an administrator unlocks it.
SIGN_IN_WINDOW = timedelta(minutes=15)
FREE_FAILURES_PER_SOURCE = 5
ACCOUNT_LOCK_FAILURES = 50


def source_delay(failures: int) -> timedelta:
    """How long a source waits before its next sign-in try after `failures` failures this window."""
    if failures < FREE_FAILURES_PER_SOURCE:
        return timedelta(0)
    exponent = min(failures - FREE_FAILURES_PER_SOURCE + 1, 20)  # 2**20 s is far past the cap
    return min(SIGN_IN_WINDOW, timedelta(seconds=2**exponent))


def wait_text(wait: timedelta) -> str:
    """'12 seconds' / '3 minutes': how long someone has to wait, rounded up."""
    seconds = max(1, math.ceil(wait.total_seconds()))
    if seconds < 120:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    return f"{math.ceil(seconds / 60)} minutes"


class AccountError(ValueError):
    """A request the account rules refuse; the message is shown to the person as is."""


def check_role(role: str) -> str:
    if role not in ROLES:
        raise AccountError(f"unknown role {role!r}; allowed: {', '.join(ROLES)}")
    return role


def check_username(username: str) -> str:
    name = username.strip().lower()
    if not _USERNAME_RE.match(name):
        raise AccountError(
            "a username is 2–40 characters: a lowercase letter first, then letters, digits, '.', '_' or '-'"
        )
    return name


def password_problems(password: str, username: str = "") -> list[str]:
    """Everything wrong with a new password (empty when it is acceptable)."""
    problems: list[str] = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(f"at least {MIN_PASSWORD_LENGTH} characters (this one has {len(password)})")
    if password.strip() != password:
        problems.append("no spaces at the start or end")
    if username and username.lower() in password.lower():
        problems.append("must not contain the username")
    if password and len(set(password)) < 4:
        problems.append("too repetitive (use at least 4 different characters)")
    return problems


def check_password(password: str, username: str = "") -> str:
    problems = password_problems(password, username)
    if problems:
        raise AccountError("password rejected: " + "; ".join(problems))
    return password


def needed_roles_text(roles: tuple[str, ...] | list[str]) -> str:
    """'trainers and administrators' for ("admin", "trainer"): trainers named first, because a
    trainer page is what a trainee most often stumbles on."""
    order = {"trainer": 0, "trainee": 1, "admin": 2}
    names = [ROLE_PLURAL[r] for r in sorted(set(roles), key=lambda r: order.get(r, 9)) if r in ROLE_PLURAL]
    if not names:
        return "nobody"
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + " and " + names[-1]


def session_expired(last_seen: datetime, now: datetime, idle: timedelta = DEFAULT_IDLE_TIMEOUT) -> bool:
    """A session ends after `idle` without activity (a forgotten tab on a shared machine)."""
    return now - last_seen >= idle


# --- the client address behind a reverse proxy ---------------------------------------------------

TRUSTED_PROXIES_ENV = "FIREDRILL_TRUSTED_PROXIES"


def trusted_proxies(value: str | None) -> frozenset[str]:
    """The proxy addresses named in FIREDRILL_TRUSTED_PROXIES (comma-separated; empty: none)."""
    return frozenset(p.strip() for p in (value or "").split(",") if p.strip())


def client_address(peer: str | None, forwarded_for: str | None, trusted: frozenset[str]) -> str:
    """The address to throttle sign-ins by. Behind a proxy every browser arrives from the proxy's
    address, so one trainee's typos would slow the whole cohort; the proxy's X-Forwarded-For says
    who it is forwarding. It is believed only when the connection comes from a proxy the operator
    trusts (anyone else could write the header), and then only its right-most entry that is not a
    trusted proxy itself (the entries to its left were written by the client)."""
    peer = (peer or "").strip() or "unknown"
    if peer not in trusted or not forwarded_for:
        return peer
    for hop in reversed([h.strip() for h in forwarded_for.split(",") if h.strip()]):
        if hop not in trusted:
            return hop[:100]
    return peer
