"""Account rules: roles, what each role may do, the password and username policy, session expiry.

Owns the pure decisions behind sign-in and permissions so the UI and the store can share them and
tests can check them without a browser. It does not hash passwords or touch the database
(`simulator.store.people` does) and never reads the clock: `now` is passed in.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

ROLES: tuple[str, ...] = ("admin", "trainer", "trainee")
STAFF: tuple[str, ...] = ("admin", "trainer")

# Who may do what. Pages check the role on entry; actions that change data check again here,
# because a page that shows a button to the wrong role must still not let the action through.
PERMISSIONS: dict[str, tuple[str, ...]] = {
    "manage_users": ("admin",),
    "change_role": ("admin",),
    "reset_password": ("admin",),
    "read_audit": STAFF,
    "manage_cohorts": STAFF,
    "run_cohort_drill": STAFF,
    "see_answers": STAFF,
    "see_others_results": STAFF,
    "sign_off": STAFF,
    "override_score": STAFF,
    "edit_scenario": STAFF,
    "join_cohort_drill": ("trainee", "trainer", "admin"),
    "run_drill": ROLES,
}

ROLE_PLURAL = {"admin": "administrators", "trainer": "trainers", "trainee": "trainees"}

MIN_PASSWORD_LENGTH = 10
DEFAULT_IDLE_TIMEOUT = timedelta(hours=8)
_USERNAME_RE = re.compile(r"^[a-z][a-z0-9._-]{1,39}$")


class AccountError(ValueError):
    """A request the account rules refuse; the message is shown to the person as is."""


def may(role: str | None, action: str) -> bool:
    """True when `role` may perform `action` (unknown actions are refused, never allowed)."""
    return role is not None and role in PERMISSIONS.get(action, ())


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
