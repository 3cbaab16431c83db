"""Which pages exist, in which section, with which title and icon.

Who may open a page is not decided here but by the permission table (`simulator.permissions`):
the menu is this list filtered through it, and every page checks the same table itself on the
server side (`ui.auth.require_page`), because a hidden menu entry is not a permission check.
Which day of the programme a page belongs to is not decided here either but by
`data/curriculum.yaml`: a numbered entry's title reads its day from there.
"""

from __future__ import annotations

from dataclasses import dataclass

from simulator.curriculum import default_curriculum
from simulator.permissions import may_open, page_roles
from simulator.yamlio import FormatError


@dataclass(frozen=True)
class PageEntry:
    path: str
    name: str
    icon: str
    section: str
    default: bool = False
    # A page of the programme's own (named by the skill it trains): its title also says which
    # day it belongs to, so the day plan stays in the curriculum file.
    numbered: bool = False

    @property
    def title(self) -> str:
        """The menu title: "Day 2 · Alerts" for a numbered page, else its name."""
        day = programme_day(self.path) if self.numbered else None
        return self.name if day is None else f"Day {day} · {self.name}"

    @property
    def roles(self) -> tuple[str, ...]:
        """Who may open it, from the permission table."""
        return page_roles(self.path)


PAGES: list[PageEntry] = [
    PageEntry("pages/home.py", "Home", ":material/home:", "Start", default=True),
    PageEntry("pages/curriculum.py", "Curriculum", ":material/school:", "Start"),
    PageEntry("pages/system_overview.py", "System overview", ":material/hub:", "Curriculum", numbered=True),
    PageEntry(
        "pages/alert_handling.py", "Alerts", ":material/notification_important:", "Curriculum", numbered=True
    ),
    PageEntry(
        "pages/incident_response.py", "Incident response", ":material/campaign:", "Curriculum", numbered=True
    ),
    PageEntry("pages/shadow_shift.py", "Shadow shift", ":material/visibility:", "Curriculum", numbered=True),
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


def programme_day(path: str) -> int | None:
    """The day of the programme that teaches on the page at `path`, from `data/curriculum.yaml`."""
    try:
        return default_curriculum().day_of_page(path)
    except FormatError:
        # A broken curriculum file is reported on the curriculum pages themselves; the menu
        # still opens every page, without day numbers.
        return None
