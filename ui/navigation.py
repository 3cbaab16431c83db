"""Which pages exist, in which section, with which title and icon.

Who may open a page is not decided here but by the permission table (`simulator.permissions`):
the menu is this list filtered through it, and every page checks the same table itself on the
server side (`ui.auth.require_page`), because a hidden menu entry is not a permission check.
"""

from __future__ import annotations

from dataclasses import dataclass

from simulator.permissions import may_open, page_roles


@dataclass(frozen=True)
class PageEntry:
    path: str
    title: str
    icon: str
    section: str
    default: bool = False

    @property
    def roles(self) -> tuple[str, ...]:
        """Who may open it, from the permission table."""
        return page_roles(self.path)


PAGES: list[PageEntry] = [
    PageEntry("pages/home.py", "Home", ":material/home:", "Start", default=True),
    PageEntry("pages/curriculum.py", "Curriculum", ":material/school:", "Start"),
    PageEntry("pages/day1_overview.py", "Day 1 · System overview", ":material/hub:", "Curriculum"),
    PageEntry("pages/day2_alerts.py", "Day 2 · Alerts", ":material/notification_important:", "Curriculum"),
    PageEntry("pages/day4_response.py", "Day 4 · Incident response", ":material/campaign:", "Curriculum"),
    PageEntry("pages/day5_shadow.py", "Day 5 · Shadow shift", ":material/visibility:", "Curriculum"),
    PageEntry("pages/handoff.py", "Weekly handoff", ":material/swap_horiz:", "Curriculum"),
    PageEntry("pages/drill.py", "Drill", ":material/local_fire_department:", "Practise"),
    PageEntry("pages/debrief.py", "Debrief", ":material/fact_check:", "Practise"),
    PageEntry("pages/attempts.py", "My attempts", ":material/history:", "Practise"),
    PageEntry("pages/runbooks.py", "Runbook exercises", ":material/menu_book:", "Practise"),
    PageEntry("pages/sandbox.py", "Consoles sandbox", ":material/terminal:", "Practise"),
    PageEntry("pages/cohort_join.py", "Cohort drill", ":material/groups:", "Practise"),
    PageEntry("pages/library.py", "Scenario library", ":material/library_books:", "Learn"),
    PageEntry("pages/alerts.py", "Alerts", ":material/notifications_active:", "Learn"),
    PageEntry("pages/oncall.py", "On-call", ":material/calendar_month:", "Learn"),
    PageEntry("pages/authoring.py", "Scenario studio", ":material/edit_note:", "Train"),
    PageEntry("pages/cohorts.py", "Cohorts", ":material/diversity_3:", "Train"),
    PageEntry("pages/cohort_board.py", "Live drill board", ":material/monitor_heart:", "Train"),
    PageEntry("pages/signoff.py", "Sign-off", ":material/verified:", "Train"),
    PageEntry("pages/team_overview.py", "Team overview", ":material/dashboard:", "Train"),
    PageEntry("pages/audit.py", "Audit log", ":material/policy:", "Admin"),
    PageEntry("pages/admin.py", "People", ":material/manage_accounts:", "Admin"),
]


def pages_for(role: str | None) -> list[PageEntry]:
    if role is None:
        return []
    return [p for p in PAGES if may_open(role, p.path)]
