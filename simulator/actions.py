"""The trainee's action vocabulary and the scripted-responses file format.

Owns what a trainee can *do* in a drill (acknowledge, judge, classify, declare, open a channel,
escalate, join the bridge, communicate, hypothesise, mitigate, look, verify, announce the resolution,
resolve, watch for a relapse, write the report) as pydantic
models discriminated by `action`, and the `Responses` file (`{at, action, ...}` items). Does not
decide what an action does to the world (`simulator.drill`) or what it is worth (`simulator.scoring`).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from .durations import Offset
from .vocabulary import Role, Severity
from .yamlio import FormatError, Positions, Problem, load_yaml, parse_model

STATUS_PAGE_STATES = ("Investigating", "Identified", "Monitoring", "Resolved")
CONSOLES = ("dashboards", "logs", "database", "deploys", "infrastructure", "third_party", "alerts", "runbook")

# Every free-text field has a cap (a 20 MB incident title was once stored): a name or title is a
# line, a reason or note a paragraph, a message a few paragraphs. The Drill page's inputs use the
# same numbers as `max_chars`, so the limit is visible before anything is refused.
MAX_NAME = 200
MAX_REASON = 2000
MAX_MESSAGE = 4000


class _Action(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Acknowledge(_Action):
    action: Literal["acknowledge"]
    alert: str | None = Field(
        None, max_length=MAX_NAME, description="Alert name of the page; default: the first page"
    )


class Judge(_Action):
    action: Literal["judge"]
    verdict: Literal["real", "false_positive"]
    reason: str = Field("", max_length=MAX_REASON)


class Classify(_Action):
    action: Literal["classify"]
    severity: Severity
    reason: str = Field("", max_length=MAX_REASON)


class Declare(_Action):
    action: Literal["declare"]
    title: str = Field("", max_length=MAX_NAME)


class OpenChannel(_Action):
    action: Literal["open_channel"]
    name: str = Field(min_length=1, max_length=80)


class Escalate(_Action):
    action: Literal["escalate"]
    role: Role
    person: str | None = Field(None, max_length=MAX_NAME)
    reason: str = Field("", max_length=MAX_REASON)


class PostUpdate(_Action):
    action: Literal["post_update"]
    text: str = Field(min_length=1, max_length=4000)
    channel: str | None = Field(
        None, max_length=80, description="Default: the incident channel, else #incidents"
    )


class StatusPage(_Action):
    action: Literal["status_page"]
    status: Literal["Investigating", "Identified", "Monitoring", "Resolved"]
    message: str = Field("", max_length=MAX_MESSAGE)


class NotifyCustomers(_Action):
    action: Literal["notify_customers"]
    subject: str = Field(min_length=1, max_length=300)
    body: str = Field(min_length=1, max_length=10000)


class Hypothesis(_Action):
    action: Literal["hypothesis"]
    option: str = Field(max_length=MAX_NAME)
    confidence: Literal["high", "medium", "low"] = "medium"
    evidence: str = Field("", max_length=MAX_REASON)


class Mitigate(_Action):
    action: Literal["mitigate"]
    mitigation: str = Field(max_length=MAX_NAME)


class Look(_Action):
    action: Literal["look"]
    console: str = Field(max_length=MAX_NAME)
    detail: str = Field("", max_length=MAX_REASON)


class Verify(_Action):
    action: Literal["verify"]
    what: str = Field("", max_length=MAX_REASON)


class Resolve(_Action):
    action: Literal["resolve"]
    summary: str = Field("", max_length=MAX_MESSAGE)


class JoinBridge(_Action):
    """Join the bridge call (Slack huddle or Zoom) the incident commander opens for a CRITICAL."""

    action: Literal["join_bridge"]
    link: str = Field(
        "", max_length=300, description="Where the bridge is, e.g. a Zoom link or 'Slack huddle'"
    )


class BridgeUpdate(_Action):
    """A spoken status update on the bridge (the seed: every 5 minutes while it is ongoing)."""

    action: Literal["bridge_update"]
    text: str = Field(min_length=1, max_length=4000)


class AnnounceResolution(_Action):
    """The seed's resolution announcement in the incident channel: "Issue resolved at HH:MM UTC"."""

    action: Literal["announce_resolution"]
    text: str = Field(min_length=1, max_length=4000)
    channel: str | None = Field(
        None, max_length=80, description="Default: the incident channel, else #incidents"
    )


class Watch(_Action):
    """Stand-down: keep watching for a resurrection of the issue before walking away."""

    action: Literal["watch"]
    minutes: int = Field(30, ge=1, le=1440, description="How long the trainee commits to watch")
    note: str = Field("", max_length=2000)


class WriteReport(_Action):
    action: Literal["write_report"]
    markdown: str = Field(max_length=100_000)


Action = Annotated[
    Acknowledge
    | Judge
    | Classify
    | Declare
    | OpenChannel
    | Escalate
    | PostUpdate
    | StatusPage
    | NotifyCustomers
    | Hypothesis
    | Mitigate
    | Look
    | Verify
    | Resolve
    | WriteReport
    | JoinBridge
    | BridgeUpdate
    | AnnounceResolution
    | Watch,
    Field(discriminator="action"),
]
ACTION_NAMES: tuple[str, ...] = (
    "acknowledge",
    "judge",
    "classify",
    "declare",
    "open_channel",
    "escalate",
    "post_update",
    "status_page",
    "notify_customers",
    "hypothesis",
    "mitigate",
    "look",
    "verify",
    "resolve",
    "write_report",
    "join_bridge",
    "bridge_update",
    "announce_resolution",
    "watch",
)
_ADAPTER: TypeAdapter[Any] = TypeAdapter(Action)


def parse_action(data: dict[str, Any]) -> Action:
    """An action from a dict (as stored in an event payload)."""
    return _ADAPTER.validate_python(data)


def action_payload(action: _Action) -> dict[str, Any]:
    return action.model_dump(mode="json")


# --- the responses file -------------------------------------------------------------------------


def _timed(cls: type[_Action]) -> type[_Action]:
    """The same action with an `at` offset, as written in a responses file."""
    return type(
        f"Timed{cls.__name__}",
        (cls,),
        {
            "__annotations__": {"at": Offset},
            "at": Field(description="Simulated time from the scenario start, e.g. 9m30s"),
        },
    )


_TIMED = [
    _timed(c)
    for c in (
        Acknowledge,
        Judge,
        Classify,
        Declare,
        OpenChannel,
        Escalate,
        PostUpdate,
        StatusPage,
        NotifyCustomers,
        Hypothesis,
        Mitigate,
        Look,
        Verify,
        Resolve,
        WriteReport,
        JoinBridge,
        BridgeUpdate,
        AnnounceResolution,
        Watch,
    )
]
if TYPE_CHECKING:
    # What the checker needs to know of a timed action: an action with an `at`.
    class TimedAction(_Action):
        at: float

else:
    # Built from the list so a new action kind can't be forgotten in a hand-written union.
    TimedAction = Annotated[Union[tuple(_TIMED)], Field(discriminator="action")]  # noqa: UP007


class Responses(BaseModel):
    """A scripted drill response: what the trainee does and when (simulated time)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    scenario: str | None = Field(None, description="Scenario id this response is for (checked when given)")
    seed: int | None = Field(None, description="Seed to run with; default: the scenario's seed")
    actor: str = "trainee"
    actions: list[TimedAction] = Field(default_factory=list)

    def timed(self) -> list[tuple[float, Action]]:
        """(offset, action-without-at) in time order; ties keep file order."""
        out = []
        for a in self.actions:
            data = a.model_dump(mode="json")
            at = float(a.at)
            data.pop("at")
            out.append((at, parse_action(data)))
        return sorted(out, key=lambda x: x[0])


def _parse(text: str, source: str) -> tuple[Responses, Positions, str]:
    data, positions = load_yaml(text, source)
    prefix = ""
    if isinstance(data, list):
        # A bare list of actions is allowed; shift the positions under `actions` to match.
        data = {"actions": data}
        positions = Positions({("actions", *k): v for k, v in positions.by_path.items()})
        prefix = "actions"
    if not isinstance(data, dict):
        raise FormatError(
            [Problem(source, 1, 1, "", "a responses file is a list of actions or a mapping with `actions:`")]
        )
    return parse_model(Responses, data, positions, source), positions, prefix


def validate_responses_text(
    text: str, source: str = "<responses>", base_dir: Path | None = None
) -> Responses:
    """Validate a responses file (YAML or JSON). With `scenario:` set and the scenario beside it in
    `base_dir`, option and mitigation ids are checked against that scenario too."""
    responses, positions, _ = _parse(text, source)
    if responses.scenario and base_dir is not None:
        path = Path(base_dir) / f"{responses.scenario}.yaml"
        if path.exists():
            from .scenario import load_scenario

            check_against_scenario(responses, load_scenario(path).scenario, source, positions)
    return responses


def load_responses(text: str, source: str, scenario: Any | None = None) -> Responses:
    """Parse a responses file and, given the scenario, check every id it names."""
    responses, positions, _ = _parse(text, source)
    if scenario is not None:
        check_against_scenario(responses, scenario, source, positions)
    return responses


def check_against_scenario(
    responses: Responses, scenario: Any, source: str, positions: Positions | None = None
) -> None:
    """Refuse ids the scenario does not have, naming what it does have."""
    problems: list[Problem] = []
    pos = positions or Positions({})

    def where(i: int, field: str) -> tuple[int | None, int | None]:
        return pos.find(("actions", i, field))

    if responses.scenario and responses.scenario != scenario.id:
        line, col = pos.find(("scenario",))
        problems.append(
            Problem(
                source,
                line,
                col,
                "scenario",
                f"this response is for {responses.scenario!r}, not {scenario.id!r}",
            )
        )
    answer = scenario.answer
    mitigations = [m.id for m in answer.mitigations]
    options = [o.id for o in answer.diagnosis.options] if answer.diagnosis else []
    for i, a in enumerate(responses.actions):
        if isinstance(a, Mitigate) and a.mitigation not in mitigations:
            line, col = where(i, "mitigation")
            problems.append(
                Problem(
                    source,
                    line,
                    col,
                    f"actions[{i}].mitigation",
                    f"found {a.mitigation!r}; allowed: {', '.join(mitigations) or 'none'}",
                )
            )
        if isinstance(a, Hypothesis) and a.option not in options:
            line, col = where(i, "option")
            problems.append(
                Problem(
                    source,
                    line,
                    col,
                    f"actions[{i}].option",
                    f"found {a.option!r}; allowed: {', '.join(options) or 'none'}",
                )
            )
        at = float(a.at)
        if at < 0 or at > scenario.clock.duration:
            line, col = where(i, "at")
            problems.append(
                Problem(
                    source,
                    line,
                    col,
                    f"actions[{i}].at",
                    f"found {at:g}s; allowed: 0s to the scenario's duration",
                )
            )
    if problems:
        raise FormatError(problems)


def json_schema() -> dict[str, Any]:
    return Responses.model_json_schema(by_alias=True)


def responses_yaml(scenario_id: str, timed: list[tuple[float, Any]], header: str = "") -> str:
    """A responses file for these (offset, action) pairs: readable YAML, multi-line text as blocks."""
    import yaml

    from .durations import format_duration

    class _Block(str):
        """Text written as a `|` block when it spans lines."""

    class _Dumper(yaml.SafeDumper):
        """A SafeDumper of our own, so the block representer does not leak into PyYAML's."""

    _Dumper.add_representer(
        _Block, lambda d, s: d.represent_scalar("tag:yaml.org,2002:str", s, style="|" if "\n" in s else None)
    )
    items = []
    for at, a in timed:
        data = a.model_dump(mode="json", exclude_defaults=True)
        item: dict[str, Any] = {"at": format_duration(at), "action": a.action}
        item.update({k: _Block(v) if isinstance(v, str) else v for k, v in data.items() if k != "action"})
        items.append(item)
    body = yaml.dump(
        {"scenario": scenario_id, "actions": items},
        Dumper=_Dumper,
        sort_keys=False,
        width=110,
        allow_unicode=True,
    )
    return header + body
