"""The Alertmanager 0.25 configuration as firedrill reads it, and the routing tree it defines.

Owns the file format (global, route tree, receivers, inhibit rules; templates and time intervals
accepted and ignored), label matchers in both the list syntax (`severity=~"critical|high"`) and the
legacy `match`/`match_re` maps, the checks `amtool check-config` makes, and `match_routes` with
Alertmanager's depth-first/continue/inheritance semantics. Timing and payloads live in dispatch.py.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from .. import content
from ..durations import parse_duration
from ..promql.regex import LabelRegexError, compile_label_regex
from ..yamlio import FormatError, Positions, Problem, load_yaml, parse_model, read_text_limited

# Where it is read from at import time; `load_config()` asks `simulator.content` at each call.
DEFAULT_CONFIG = content.path("alertmanager.yml")

LABEL_NAME_RE = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")
# Prometheus durations: units from years to milliseconds, each at most once, largest first.
_PROM_DURATION_RE = re.compile(r"^(?:\d+y)?(?:\d+w)?(?:\d+d)?(?:\d+h)?(?:\d+m)?(?:\d+s)?(?:\d+ms)?$")

# Defaults of Alertmanager's root route (dispatch/route.go DefaultRouteOpts).
DEFAULT_GROUP_WAIT = 30.0
DEFAULT_GROUP_INTERVAL = 300.0
DEFAULT_REPEAT_INTERVAL = 4 * 3600.0


# --- matchers ------------------------------------------------------------------------------------

MatchOp = Literal["=", "!=", "=~", "!~"]
_MATCHER_RE = re.compile(r"^\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(=~|=|!=|!~)\s*(.*?)\s*$", re.S)
# Python's `re` accepts constructs Go's RE2 refuses; a config that only works here would be a lie.
_NOT_RE2 = re.compile(r"\(\?[=!<]|\(\?P=|\\[1-9]|\(\?>|[*+?}]\+")


@dataclass(frozen=True)
class Matcher:
    name: str
    op: str
    value: str
    _regex: Any = field(default=None, compare=False, repr=False)  # an RE2 program

    @classmethod
    def make(cls, name: str, op: str, value: str) -> Matcher:
        regex = None
        if op in ("=~", "!~"):
            if _NOT_RE2.search(value):
                raise ValueError(
                    f"regular expression {value!r} uses syntax Alertmanager (Go RE2) does not support"
                )
            try:
                # Alertmanager anchors every regex (`^(?s:v)$`) and runs it on RE2: linear time, so
                # a hostile matcher in a routing file cannot stall the server.
                regex = compile_label_regex(value)
            except LabelRegexError as exc:
                raise ValueError(f"invalid regular expression {value!r}: {exc}") from None
        return cls(name, op, value, regex)

    def matches(self, value: str) -> bool:
        if self.op == "=":
            return value == self.value
        if self.op == "!=":
            return value != self.value
        hit = self._regex.match(value) is not None
        return hit if self.op == "=~" else not hit

    def __str__(self) -> str:
        escaped = self.value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')
        return f'{self.name}{self.op}"{escaped}"'

    def sort_key(self) -> tuple[str, str, int]:
        # Same order as Alertmanager's labels.Matchers: name, value, then type.
        return (self.name, self.value, ("=", "!=", "=~", "!~").index(self.op))


def parse_matcher(text: str) -> Matcher:
    """One matcher as Alertmanager 0.25's classic parser reads it: `name op value`, the value
    optionally in double quotes with `\\"`, `\\\\` and `\\n` escapes."""
    m = _MATCHER_RE.match(text)
    if not m:
        raise ValueError(f'bad matcher format: {text!r} (expected e.g. severity="critical")')
    name, op, raw = m.groups()
    quoted = raw.startswith('"')
    if quoted:
        raw = raw[1:]
    out: list[str] = []
    escaped = False
    for i, ch in enumerate(raw):
        if escaped:
            escaped = False
            out.append({"n": "\n", '"': '"', "\\": "\\"}.get(ch, "\\" + ch))
            continue
        if ch == "\\":
            if i < len(raw) - 1:
                escaped = True
                continue
            out.append("\\")
        elif ch == '"':
            if not quoted or i < len(raw) - 1:
                raise ValueError(f"matcher value contains an unescaped double quote: {m.group(3)!r}")
            quoted = False
        else:
            out.append(ch)
    if quoted:
        raise ValueError(f"matcher value contains an unescaped double quote: {m.group(3)!r}")
    return Matcher.make(name, op, "".join(out))


def parse_matchers(text: str) -> list[Matcher]:
    """A matchers line: one or more comma-separated matchers, optionally inside `{...}`."""
    s = text
    if s.startswith("{"):
        s = s[1:]
    if s.endswith("}"):
        s = s[:-1]
    tokens: list[str] = []
    token = ""
    inside = escaped = False
    for ch in s:
        if ch == "," and not inside:
            tokens.append(token)
            token = ""
            continue
        if ch == '"':
            if not escaped:
                inside = not inside
            else:
                escaped = False
        elif ch == "\\":
            escaped = not escaped
        else:
            escaped = False
        token += ch
    if token.strip():
        tokens.append(token.strip())
    return [parse_matcher(t) for t in tokens]


def _check_matcher_lines(v: list[str]) -> list[str]:
    for line in v:
        parse_matchers(line)
    return v


def _check_label_names(v: Mapping[str, Any]) -> Mapping[str, Any]:
    for k in v:
        if not LABEL_NAME_RE.match(str(k)):
            raise ValueError(f"invalid label name {k!r}")
    return v


def _check_duration(v: Any) -> Any:
    if v is None:
        return v
    if not isinstance(v, str) or not v or not _PROM_DURATION_RE.match(v):
        raise ValueError(f"not a valid duration: {v!r} (write e.g. 30s, 5m, 4h, 1h30m)")
    return v


# --- the file format -----------------------------------------------------------------------------


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class GlobalConfig(_Model):
    """Alertmanager's `global:`; firedrill reads nothing here but checks the keys exist."""

    resolve_timeout: str | None = None
    http_config: dict[str, Any] | None = None
    smtp_from: str | None = None
    smtp_hello: str | None = None
    smtp_smarthost: str | None = None
    smtp_auth_username: str | None = None
    smtp_auth_password: str | None = None
    smtp_auth_password_file: str | None = None
    smtp_auth_secret: str | None = None
    smtp_auth_identity: str | None = None
    smtp_require_tls: bool | None = None
    slack_api_url: str | None = None
    slack_api_url_file: str | None = None
    victorops_api_key: str | None = None
    victorops_api_key_file: str | None = None
    victorops_api_url: str | None = None
    pagerduty_url: str | None = None
    opsgenie_api_key: str | None = None
    opsgenie_api_key_file: str | None = None
    opsgenie_api_url: str | None = None
    wechat_api_url: str | None = None
    wechat_api_secret: str | None = None
    wechat_api_corp_id: str | None = None
    telegram_api_url: str | None = None
    webex_api_url: str | None = None

    @field_validator("resolve_timeout")
    @classmethod
    def _duration(cls, v: Any) -> Any:
        return _check_duration(v)


class RouteConfig(_Model):
    receiver: str | None = None
    group_by: list[str] | None = Field(None, description="Labels to group by; ['...'] groups by all labels")
    continue_: bool = Field(False, alias="continue")
    match: dict[str, str] | None = Field(None, description="Deprecated: label equality")
    match_re: dict[str, str] | None = Field(None, description="Deprecated: label regex (anchored)")
    matchers: list[str] | None = Field(None, description='Matchers such as severity=~"critical|high"')
    mute_time_intervals: list[str] | None = None
    active_time_intervals: list[str] | None = None
    group_wait: str | None = None
    group_interval: str | None = None
    repeat_interval: str | None = None
    routes: list[RouteConfig] | None = None

    @field_validator("group_wait", "group_interval", "repeat_interval")
    @classmethod
    def _durations(cls, v: Any) -> Any:
        return _check_duration(v)

    @field_validator("group_interval", "repeat_interval")
    @classmethod
    def _not_zero(cls, v: Any, info) -> Any:
        if v is not None and parse_duration(v) == 0:
            raise ValueError(f"{info.field_name} cannot be zero")
        return v

    @field_validator("matchers")
    @classmethod
    def _matchers(cls, v: list[str] | None) -> list[str] | None:
        return None if v is None else _check_matcher_lines(v)

    @field_validator("match")
    @classmethod
    def _match(cls, v: dict[str, str] | None) -> dict[str, str] | None:
        return None if v is None else dict(_check_label_names(v))

    @field_validator("match_re")
    @classmethod
    def _match_re(cls, v: dict[str, str] | None) -> dict[str, str] | None:
        if v is None:
            return v
        _check_label_names(v)
        for value in v.values():
            Matcher.make("x", "=~", value)
        return v

    @field_validator("group_by")
    @classmethod
    def _group_by(cls, v: list[str] | None) -> list[str] | None:
        if v is None:
            return v
        seen: set[str] = set()
        for name in v:
            if name != "..." and not LABEL_NAME_RE.match(name):
                raise ValueError(f"invalid label name {name!r} in group_by")
            if name in seen:
                raise ValueError(f"duplicated label {name!r} in group_by")
            seen.add(name)
        if "..." in seen and len(seen) > 1:
            raise ValueError("cannot have wildcard group_by (`...`) and other labels at the same time")
        return v


Integration = dict[str, Any]

# Which channel a person is reached on, by Alertmanager integration type.
CHANNEL_OF: dict[str, str] = {
    "pagerduty_configs": "pager",
    "opsgenie_configs": "pager",
    "victorops_configs": "pager",
    "pushover_configs": "pager",
    "slack_configs": "chat",
    "webex_configs": "chat",
    "telegram_configs": "chat",
    "discord_configs": "chat",
    "wechat_configs": "chat",
    "email_configs": "email",
    "webhook_configs": "ticket",
    "sns_configs": "ticket",
}
# Alertmanager 0.25's send_resolved defaults, per integration type.
SEND_RESOLVED_DEFAULT: dict[str, bool] = {
    "pagerduty_configs": True,
    "opsgenie_configs": True,
    "victorops_configs": True,
    "pushover_configs": True,
    "slack_configs": False,
    "webex_configs": True,
    "telegram_configs": True,
    "discord_configs": True,
    "wechat_configs": False,
    "email_configs": False,
    "webhook_configs": True,
    "sns_configs": True,
}


class ReceiverConfig(_Model):
    name: str = Field(min_length=1)
    pagerduty_configs: list[Integration] | None = None
    opsgenie_configs: list[Integration] | None = None
    victorops_configs: list[Integration] | None = None
    pushover_configs: list[Integration] | None = None
    slack_configs: list[Integration] | None = None
    webex_configs: list[Integration] | None = None
    telegram_configs: list[Integration] | None = None
    discord_configs: list[Integration] | None = None
    wechat_configs: list[Integration] | None = None
    email_configs: list[Integration] | None = None
    webhook_configs: list[Integration] | None = None
    sns_configs: list[Integration] | None = None

    def integrations(self) -> list[tuple[str, int, Integration]]:
        """(config type, index, settings) in Alertmanager's order of integration types."""
        out = []
        for kind in CHANNEL_OF:
            for i, cfg in enumerate(getattr(self, kind) or []):
                out.append((kind, i, cfg))
        return out

    @property
    def channel(self) -> str:
        """pager / chat / email / ticket, from the first integration (chat when there is none)."""
        first = self.integrations()
        return CHANNEL_OF[first[0][0]] if first else "chat"


class InhibitRuleConfig(_Model):
    source_match: dict[str, str] | None = None
    source_match_re: dict[str, str] | None = None
    source_matchers: list[str] | None = None
    target_match: dict[str, str] | None = None
    target_match_re: dict[str, str] | None = None
    target_matchers: list[str] | None = None
    equal: list[str] | None = None

    @field_validator("source_matchers", "target_matchers")
    @classmethod
    def _matchers(cls, v: list[str] | None) -> list[str] | None:
        return None if v is None else _check_matcher_lines(v)

    @field_validator("source_match", "target_match", "source_match_re", "target_match_re")
    @classmethod
    def _legacy(cls, v: dict[str, str] | None) -> dict[str, str] | None:
        return None if v is None else dict(_check_label_names(v))

    @field_validator("equal")
    @classmethod
    def _equal(cls, v: list[str] | None) -> list[str] | None:
        for name in v or []:
            if not LABEL_NAME_RE.match(name):
                raise ValueError(f"invalid label name {name!r} in equal")
        return v


class AlertmanagerConfig(_Model):
    """An Alertmanager configuration file (`alertmanager.yml`)."""

    global_: GlobalConfig | None = Field(None, alias="global")
    route: RouteConfig | None = None
    inhibit_rules: list[InhibitRuleConfig] | None = None
    receivers: list[ReceiverConfig] | None = None
    templates: list[str] | None = Field(None, description="Notification templates (ignored by firedrill)")
    mute_time_intervals: list[dict[str, Any]] | None = None
    time_intervals: list[dict[str, Any]] | None = None

    def receiver(self, name: str) -> ReceiverConfig | None:
        return next((r for r in self.receivers or [] if r.name == name), None)


RouteConfig.model_rebuild()


# --- the routing tree ----------------------------------------------------------------------------


def _route_matchers(cfg: RouteConfig | InhibitRuleConfig, prefix: str = "") -> list[Matcher]:
    out: list[Matcher] = []
    for name, value in (getattr(cfg, f"{prefix}match") or {}).items():
        out.append(Matcher.make(name, "=", value))
    for name, value in (getattr(cfg, f"{prefix}match_re") or {}).items():
        out.append(Matcher.make(name, "=~", value))
    for line in getattr(cfg, f"{prefix}matchers") or []:
        out.extend(parse_matchers(line))
    return out


@dataclass(eq=False)
class Route:
    """A node of the routing tree with the options it inherited (dispatch.Route)."""

    receiver: str
    group_by: frozenset[str]
    group_by_all: bool
    group_wait: float
    group_interval: float
    repeat_interval: float
    matchers: list[Matcher]
    continue_: bool
    parent: Route | None = None
    routes: list[Route] = field(default_factory=list)

    @classmethod
    def build(cls, cfg: RouteConfig, parent: Route | None = None) -> Route:
        if parent is None:
            receiver, group_by, by_all = "", frozenset[str](), False
            gw, gi, ri = DEFAULT_GROUP_WAIT, DEFAULT_GROUP_INTERVAL, DEFAULT_REPEAT_INTERVAL
        else:
            receiver, group_by, by_all = parent.receiver, parent.group_by, parent.group_by_all
            gw, gi, ri = parent.group_wait, parent.group_interval, parent.repeat_interval
        if cfg.receiver:
            receiver = cfg.receiver
        if cfg.group_by is not None:
            by_all = cfg.group_by == ["..."]
            group_by = frozenset() if by_all else frozenset(cfg.group_by)
        node = cls(
            receiver=receiver,
            group_by=group_by,
            group_by_all=by_all,
            group_wait=parse_duration(cfg.group_wait) if cfg.group_wait else gw,
            group_interval=parse_duration(cfg.group_interval) if cfg.group_interval else gi,
            repeat_interval=parse_duration(cfg.repeat_interval) if cfg.repeat_interval else ri,
            matchers=sorted(_route_matchers(cfg), key=Matcher.sort_key),
            continue_=cfg.continue_,
            parent=parent,
        )
        node.routes = [cls.build(c, node) for c in cfg.routes or []]
        return node

    def matches_self(self, labels: Mapping[str, str]) -> bool:
        # A missing label reads as the empty string, as in Alertmanager.
        return all(m.matches(labels.get(m.name, "")) for m in self.matchers)

    def match(self, labels: Mapping[str, str]) -> list[Route]:
        """Depth-first, left to right: a node stops at its first matching child unless that child
        has `continue: true`; with no matching child the node itself takes the alert."""
        if not self.matches_self(labels):
            return []
        found: list[Route] = []
        for child in self.routes:
            hits = child.match(labels)
            found.extend(hits)
            if hits and not child.continue_:
                break
        return found or [self]

    def key(self) -> str:
        own = "{" + ",".join(str(m) for m in self.matchers) + "}"
        return own if self.parent is None else f"{self.parent.key()}/{own}"

    def group_labels(self, labels: Mapping[str, str]) -> dict[str, str]:
        if self.group_by_all:
            return dict(labels)
        return {k: v for k, v in labels.items() if k in self.group_by}


def route_tree(config: AlertmanagerConfig) -> Route:
    if config.route is None:
        raise ValueError("the configuration has no route")
    return Route.build(config.route)


def match_routes(config: AlertmanagerConfig | Route, labels: Mapping[str, str]) -> list[str]:
    """Receiver names an alert with `labels` is routed to, in tree order (what `amtool config
    routes test` prints)."""
    tree = config if isinstance(config, Route) else route_tree(config)
    return [r.receiver for r in tree.match(labels)]


@dataclass(frozen=True)
class InhibitRule:
    source: list[Matcher]
    target: list[Matcher]
    equal: tuple[str, ...]


def inhibit_rules(config: AlertmanagerConfig) -> list[InhibitRule]:
    return [
        InhibitRule(_route_matchers(r, "source_"), _route_matchers(r, "target_"), tuple(r.equal or ()))
        for r in config.inhibit_rules or []
    ]


# --- loading and checks --------------------------------------------------------------------------


def _semantic_problems(cfg: AlertmanagerConfig, positions: Positions, source: str) -> list[Problem]:
    """The checks Alertmanager makes after parsing (config.go), located in the file."""
    problems: list[Problem] = []

    def add(path: tuple, message: str) -> None:
        line, col = positions.find(path)
        problems.append(Problem(source, line, col, ".".join(str(p) for p in path), message))

    names: set[str] = set()
    glob = cfg.global_ or GlobalConfig()
    for i, r in enumerate(cfg.receivers or []):
        if r.name in names:
            add(("receivers", i, "name"), f"notification config name {r.name!r} is not unique")
        names.add(r.name)
        for kind, j, settings in r.integrations():
            where = ("receivers", i, kind, j)
            if not isinstance(settings, dict):
                add(where, "must be a mapping of settings")
                continue
            if kind == "webhook_configs" and not (settings.get("url") or settings.get("url_file")):
                add(where, "one of url or url_file must be configured")
            if kind == "pagerduty_configs" and not any(
                settings.get(k)
                for k in ("routing_key", "service_key", "routing_key_file", "service_key_file")
            ):
                add(where, "missing service or routing key in PagerDuty config")
            if kind == "slack_configs" and not (
                settings.get("api_url")
                or settings.get("api_url_file")
                or glob.slack_api_url
                or glob.slack_api_url_file
            ):
                add(where, "no global Slack API URL set")
            if kind == "email_configs":
                if not settings.get("to"):
                    add(where, "missing to address in email config")
                if not (settings.get("smarthost") or glob.smtp_smarthost):
                    add(where, "no global SMTP smarthost set")
                if not (settings.get("from") or glob.smtp_from):
                    add(where, "no global SMTP from set")
            if "send_resolved" in settings and not isinstance(settings["send_resolved"], bool):
                add((*where, "send_resolved"), "send_resolved must be true or false")
    if cfg.route is None:
        add(("route",), "no routes provided")
        return problems
    root = cfg.route
    if not root.receiver:
        add(("route",), "root route must specify a default receiver")
    if root.match or root.match_re or root.matchers:
        add(("route",), "root route must not have any matchers")
    if root.continue_:
        add(("route", "continue"), "cannot have continue in root route")
    if root.mute_time_intervals or root.active_time_intervals:
        add(("route",), "root route must not have any mute or active time intervals")
    intervals = {str(t.get("name")) for t in (cfg.mute_time_intervals or []) + (cfg.time_intervals or [])}

    def walk(route: RouteConfig, path: tuple) -> None:
        if route.receiver and route.receiver not in names:
            add((*path, "receiver"), f"undefined receiver {route.receiver!r} used in route")
        for key in ("mute_time_intervals", "active_time_intervals"):
            for k, name in enumerate(getattr(route, key) or []):
                if name not in intervals:
                    add((*path, key, k), f"undefined time interval {name!r} used in route")
        for i, child in enumerate(route.routes or []):
            walk(child, (*path, "routes", i))

    walk(root, ("route",))
    return problems


def parse_config(text: str, source: str = "alertmanager.yml") -> AlertmanagerConfig:
    data, positions = load_yaml(text, source)
    if data is None:
        raise FormatError([Problem(source, None, None, "", "the file is empty")])
    if not isinstance(data, dict):
        raise FormatError([Problem(source, 1, 1, "", "an Alertmanager config must be a mapping of settings")])
    cfg = parse_model(AlertmanagerConfig, data, positions, source)
    problems = _semantic_problems(cfg, positions, source)
    if problems:
        raise FormatError(problems)
    return cfg


def validate_config_text(text: str, source: str, base_dir: Path | None = None) -> AlertmanagerConfig:
    """The `firedrill validate` entry point for alertmanager.yml files."""
    return parse_config(text, source)


def default_config() -> AlertmanagerConfig:
    """The team's `alertmanager.yml` from the content directory, parsed once per process."""
    return content.parsed("alertmanager.yml", load_config)


def load_config(path: str | Path | None = None) -> AlertmanagerConfig:
    """The routing config at `path`, or the content directory's `alertmanager.yml`."""
    p = Path(path) if path is not None else content.path("alertmanager.yml")
    return parse_config(read_text_limited(p), str(p))


def json_schema() -> dict[str, Any]:
    return AlertmanagerConfig.model_json_schema(by_alias=True)
