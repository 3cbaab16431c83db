"""The one permission table: which role may do what, and which capability opens which page.

Owns every access decision: the menu (`ui.navigation`), each page's own server-side check
(`ui.auth.require_page`) and each data-changing action (`ui.auth.require_action`) read this table,
so no page compares role names by hand. Pure data and lookups; no Streamlit, no database.
"""

from __future__ import annotations

ROLES: tuple[str, ...] = ("admin", "trainer", "trainee")
STAFF: tuple[str, ...] = ("admin", "trainer")

# Capability → roles that have it. A page or action names a capability, never a role.
CAPABILITIES: dict[str, tuple[str, ...]] = {
    "train": ROLES,  # drills, curriculum, library, consoles: everyone practises
    "run_drill": ROLES,
    "join_cohort_drill": ROLES,
    "manage_users": ("admin",),
    "change_role": ("admin",),
    "reset_password": ("admin",),
    "manage_any_scenario": ("admin",),  # edit or delete scenarios other trainers own
    "read_audit": STAFF,
    "manage_cohorts": STAFF,
    "run_cohort_drill": STAFF,
    "see_answers": STAFF,
    "see_others_results": STAFF,
    "annotate_report": STAFF,
    "sign_off": STAFF,
    "override_score": STAFF,
    "edit_scenario": STAFF,
}

# Page file → the capability needed to open it (pages not listed need "train").
PAGE_CAPABILITY: dict[str, str] = {
    "pages/authoring.py": "edit_scenario",
    "pages/cohorts.py": "manage_cohorts",
    "pages/cohort_board.py": "run_cohort_drill",
    "pages/signoff.py": "sign_off",
    "pages/team_overview.py": "see_others_results",
    "pages/audit.py": "read_audit",
    "pages/admin.py": "manage_users",
}


def may(role: str | None, capability: str) -> bool:
    """True when `role` has `capability` (an unknown capability is refused, never allowed)."""
    return role is not None and role in CAPABILITIES.get(capability, ())


def page_capability(path: str) -> str:
    return PAGE_CAPABILITY.get(path, "train")


def page_roles(path: str) -> tuple[str, ...]:
    """The roles that may open the page at `path` (for the menu and the refusal message)."""
    return CAPABILITIES[page_capability(path)]


def may_open(role: str | None, path: str) -> bool:
    return may(role, page_capability(path))
