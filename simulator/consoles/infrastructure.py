"""Infrastructure and third-party status, as the AWS console and vendors' status pages show them.

Owns which components exist (the scenario's, plus the usual compute / database / object storage /
key management / DNS so the view is never half empty) and their status as of the drill's current
time. It does not decide whether a status matters to the incident.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ..scenario import ComponentStatus, ThirdPartyStatus
from . import ConsoleWorld

SERVICE_NAMES = {
    "compute": "EC2 Auto Scaling",
    "database": "RDS",
    "storage": "S3",
    "kms": "KMS",
    "dns": "Route 53",
    "cache": "ElastiCache",
    "search": "OpenSearch",
    "network": "VPC",
    "queue": "SQS",
}
_DEFAULTS = (
    ComponentStatus(component="api-asg", kind="compute"),
    ComponentStatus(component="rds-primary", kind="database"),
    ComponentStatus(component="s3-assets", kind="storage"),
    ComponentStatus(component="kms-app-key", kind="kms"),
    ComponentStatus(component="api.example.com", kind="dns"),
)
_DEFAULT_VENDORS = (
    ThirdPartyStatus(name="GitHub"),
    ThirdPartyStatus(name="Slack"),
    ThirdPartyStatus(name="PagerDuty"),
)
STATUS_LABELS = {
    "operational": "Operational",
    "degraded": "Degraded",
    "degraded_performance": "Degraded performance",
    "partial_outage": "Partial outage",
    "major_outage": "Major outage",
    "maintenance": "Under maintenance",
}


@dataclass(frozen=True)
class ComponentView:
    component: str
    kind: str
    service: str  # the AWS service name, e.g. RDS
    region: str
    status: str
    label: str
    since: datetime | None
    message: str

    @property
    def healthy(self) -> bool:
        return self.status == "operational"


@dataclass(frozen=True)
class VendorView:
    name: str
    status: str
    label: str
    since: datetime | None
    message: str

    @property
    def healthy(self) -> bool:
        return self.status == "operational"


def _active(since: float | None, until: float | None, now: float) -> bool:
    return (since is None or since <= now) and (until is None or now < until)


def components(world: ConsoleWorld, region: str = "us-east-1") -> list[ComponentView]:
    """Every component's status at `world.now`, problems first, then by kind and name."""
    listed = list(world.scenario.evidence.infrastructure)
    kinds = {c.kind for c in listed}
    listed += [d for d in _DEFAULTS if d.kind not in kinds]
    out = []
    for c in listed:
        ended = world.ended_effects.get(c.effect) if c.effect else None
        until = c.until if ended is None else min(c.until if c.until is not None else ended, ended)
        on = _active(c.since, until, world.now) and c.status != "operational"
        status = c.status if on else "operational"
        out.append(
            ComponentView(
                component=c.component,
                kind=c.kind,
                service=SERVICE_NAMES.get(c.kind, c.kind),
                region=region,
                status=status,
                label=STATUS_LABELS[status],
                since=world.wall(c.since) if on and c.since is not None else None,
                message=c.message if on else "",
            )
        )
    return sorted(out, key=lambda v: (v.healthy, list(SERVICE_NAMES).index(v.kind), v.component))


def vendors(world: ConsoleWorld) -> list[VendorView]:
    """Third-party status pages at `world.now`."""
    listed = list(world.scenario.evidence.third_party) or list(_DEFAULT_VENDORS)
    out = []
    for v in listed:
        on = _active(v.since, v.until, world.now) and v.status != "operational"
        status = v.status if on else "operational"
        out.append(
            VendorView(
                name=v.name,
                status=status,
                label=STATUS_LABELS[status],
                since=world.wall(v.since) if on and v.since is not None else None,
                message=v.message if on else "All systems operational.",
            )
        )
    return out
