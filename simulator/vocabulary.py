"""The shared words of incident response: severities, on-call roles, incident statuses.

Owns only the names and their order. What each severity means and what it requires lives in
`data/policy.yaml` (see `simulator.policy`), so a team can change its rules without code.
"""

from __future__ import annotations

from enum import StrEnum


class Severity(StrEnum):
    CRITICAL = "CRITICAL"
    HIGH = "HIGH"
    MEDIUM = "MEDIUM"
    LOW = "LOW"

    @property
    def rank(self) -> int:
        """0 for CRITICAL … 3 for LOW: lower is more severe."""
        return _SEVERITY_ORDER.index(self)

    def more_severe_than(self, other: Severity) -> bool:
        return self.rank < other.rank


_SEVERITY_ORDER = [Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW]
SEVERITIES: tuple[Severity, ...] = tuple(_SEVERITY_ORDER)


class Role(StrEnum):
    PRIMARY = "primary"
    BACKUP = "backup"
    MANAGER = "manager"
    INCIDENT_COMMANDER = "incident_commander"
    SECURITY_LEAD = "security_lead"
    SME = "sme"  # a subject-matter expert, e.g. the database owner

    @property
    def title(self) -> str:  # type: ignore[override]  # a role's title is its job title, not str.title()
        return _ROLE_TITLES[self]


_ROLE_TITLES = {
    Role.PRIMARY: "On-call engineer (primary)",
    Role.BACKUP: "On-call backup",
    Role.MANAGER: "On-call manager",
    Role.INCIDENT_COMMANDER: "Incident commander",
    Role.SECURITY_LEAD: "Security lead",
    Role.SME: "Subject-matter expert",
}


class IncidentStatus(StrEnum):
    """The seed's status vocabulary, in the order an incident moves through it."""

    INVESTIGATING = "Investigating"
    IDENTIFIED = "Identified"
    MITIGATING = "Mitigating"
    MONITORING = "Monitoring"
    RESOLVED = "Resolved"
    POST_INCIDENT = "Post-Incident"

    @property
    def rank(self) -> int:
        return list(IncidentStatus).index(self)


class SecurityState(StrEnum):
    NONE = "none"
    FINDING = "finding"
    VULNERABILITY_DISCLOSED = "vulnerability_disclosed"
    BREACH_CONFIRMED = "breach_confirmed"
