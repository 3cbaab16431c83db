"""Safe YAML loading with positions, and error messages a trainer can act on.

Owns: reading a YAML text under size and alias limits, remembering the line and column of every
value, and turning pydantic validation errors into `Problem`s that name file, line, column, field,
what was found and what is allowed. Does not own any file format: those are pydantic models
elsewhere, validated through `parse_model`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar, Union, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError

MAX_BYTES = 1024 * 1024  # 1 MiB: the largest scenario we ship is ~40 KiB
MAX_ALIASES = 50  # enough for shared anchors, far too few for a "billion laughs" document

Path_ = tuple[str | int, ...]
M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input file, located as precisely as we can."""

    source: str
    line: int | None
    column: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = self.source
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        field = f" {self.field}:" if self.field else ""
        return f"{where}:{field} {self.message}"


class FormatError(ValueError):
    """An input file is not valid; carries every problem found, not only the first."""

    def __init__(self, problems: Sequence[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


@dataclass
class Positions:
    """Line/column (1-based) of each value in a loaded document, by path."""

    by_path: dict[Path_, tuple[int, int]]

    def find(self, path: Path_) -> tuple[int | None, int | None]:
        # Walk up to the nearest located ancestor: a missing key is reported at its parent.
        p = tuple(path)
        while True:
            if p in self.by_path:
                return self.by_path[p]
            if not p:
                return (None, None)
            p = p[:-1]


# libyaml's C parser when PyYAML has it (15× faster on long promtool series lines); the
# construction below is always SafeConstructor's, so no tag can run code either way.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _AliasBudget:
    """Counts how often an already-built node is reached again. Composing keeps an alias as a
    shared node; expanding it happens here, so this is where an alias bomb is stopped."""

    def __init__(self) -> None:
        self.seen: set[int] = set()
        self.used = 0

    def visit(self, node: yaml.Node) -> None:
        key = id(node)
        if key in self.seen:
            self.used += 1
            if self.used > MAX_ALIASES:
                raise yaml.MarkedYAMLError(
                    problem=f"more than {MAX_ALIASES} aliases (*refs); this limit protects the server",
                    problem_mark=node.start_mark,
                )
        else:
            self.seen.add(key)


def format_path(path: Iterable[str | int]) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def load_yaml(text: str, source: str) -> tuple[Any, Positions]:
    """Parse YAML safely; raise FormatError with a located message on any syntax problem."""
    if len(text.encode("utf-8", errors="replace")) > MAX_BYTES:
        raise FormatError(
            [Problem(source, None, None, "", f"file is larger than {MAX_BYTES // 1024} KiB, the limit")]
        )
    loader = None
    try:
        loader = _Loader(text)
        node = loader.get_single_node()
        if node is None:
            return None, Positions({})
        positions: dict[Path_, tuple[int, int]] = {}
        data = _construct(loader, node, (), positions, _AliasBudget())
        return data, Positions(positions)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        col = mark.column + 1 if mark else None
        what = exc.problem or "invalid YAML"
        if exc.context:
            what = f"{exc.context}, {what}"
        raise FormatError([Problem(source, line, col, "", f"YAML syntax error: {what}")]) from None
    except yaml.reader.ReaderError as exc:
        line, col = _line_col(text, exc.position or 0)
        what = f"character {exc.character!r} is not allowed in YAML" if exc.character else exc.reason
        raise FormatError([Problem(source, line, col, "", f"YAML syntax error: {what}")]) from None
    except yaml.YAMLError as exc:
        raise FormatError([Problem(source, None, None, "", f"YAML error: {exc}")]) from None
    except RecursionError:
        raise FormatError([Problem(source, None, None, "", "YAML nesting is too deep")]) from None
    finally:
        if loader is not None:
            loader.dispose()


def _line_col(text: str, position: int) -> tuple[int, int]:
    before = text[:position]
    return before.count("\n") + 1, position - (before.rfind("\n") + 1) + 1


_PLAIN_TAGS = {"tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"}


def _construct(loader: Any, node: yaml.Node, path: Path_, positions: dict, budget: _AliasBudget) -> Any:
    budget.visit(node)
    positions[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if not isinstance(node, yaml.ScalarNode) and node.tag not in _PLAIN_TAGS:
        # Safe construction would ignore a tag on a collection; refuse it so nobody thinks
        # `!!python/object` did anything.
        raise yaml.MarkedYAMLError(
            problem=f"the tag {node.tag!r} is not allowed", problem_mark=node.start_mark
        )
    if isinstance(node, yaml.MappingNode):
        loader.flatten_mapping(node)
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if isinstance(key, (list, dict)):
                raise yaml.MarkedYAMLError(
                    problem="a mapping key must be a plain value", problem_mark=key_node.start_mark
                )
            if key in out:
                raise yaml.MarkedYAMLError(problem=f"duplicate key {key!r}", problem_mark=key_node.start_mark)
            key_path = (*path, key if isinstance(key, (str, int)) else str(key))
            out[key] = _construct(loader, value_node, key_path, positions, budget)
            # A key's own position is more useful than its value's for "unknown key" errors.
            positions[(*key_path, "__key__")] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [
            _construct(loader, child, (*path, i), positions, budget) for i, child in enumerate(node.value)
        ]
    value = loader.construct_object(node, deep=True)
    # YAML 1.1 reads "14:20" as a sexagesimal int and "2026-03-10T14:00:00Z" as a datetime;
    # formats here want the text the author wrote, so keep the original scalar for those.
    if isinstance(node, yaml.ScalarNode) and not isinstance(value, (bool, float)) and value is not None:
        if isinstance(value, int) and ":" in node.value:
            return node.value
        if not isinstance(value, (int, str)):
            return node.value
    return value


def parse_model(model: type[M], data: Any, positions: Positions, source: str, *, context: Any = None) -> M:
    """Validate `data` as `model`; on failure raise FormatError with one located Problem per error."""
    try:
        return model.model_validate(data, context=context)
    except ValidationError as exc:
        raise FormatError(problems_from_validation(exc, positions, source, model)) from None


def problems_from_validation(
    exc: ValidationError, positions: Positions, source: str, model: type[BaseModel] | None = None
) -> list[Problem]:
    problems: list[Problem] = []
    seen: set[tuple] = set()
    for err in exc.errors(include_url=False):
        loc = _clean_loc(err["loc"])
        etype = err["type"]
        if etype == "extra_forbidden":
            line, col = positions.find((*loc, "__key__"))
            allowed = _allowed_keys(model, loc[:-1]) if model else []
            hint = f"; allowed keys here: {', '.join(allowed)}" if allowed else ""
            message = f"unknown key {loc[-1]!r}{hint}"
            field = format_path(loc)
        elif etype == "missing":
            line, col = positions.find(loc)
            message = "required field is missing"
            field = format_path(loc)
        else:
            line, col = positions.find(loc)
            found = err.get("input")
            msg = err["msg"]
            if msg.startswith("Value error, "):
                msg = msg[len("Value error, ") :]
            elif msg.startswith("Assertion failed, "):
                msg = msg[len("Assertion failed, ") :]
            message = f"{msg} (found {_show(found)})" if not isinstance(found, (dict, list)) else msg
            field = format_path(loc)
        key = (line, col, field, message)
        if key in seen:
            continue
        seen.add(key)
        problems.append(Problem(source, line, col, field, message))
    problems.sort(key=lambda p: (p.line or 0, p.column or 0))
    return problems


def _clean_loc(loc: tuple) -> Path_:
    # Pydantic adds discriminator tags and union member names to locations; drop what is not a key.
    out: list[str | int] = []
    for part in loc:
        if isinstance(part, str) and (part.startswith("function-") or re.fullmatch(r"[a-z_]+\[.*\]", part)):
            continue
        out.append(part)
    return tuple(out)


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _allowed_keys(model: type[BaseModel] | None, loc: Path_) -> list[str]:
    """Field names of the model found at `loc`, following list items and nested models."""
    current: Any = model
    for part in loc:
        current = _unwrap(current)
        if isinstance(part, int):
            continue
        if isinstance(current, type) and issubclass(current, BaseModel):
            field = current.model_fields.get(part)
            if field is None:
                field = next((f for f in current.model_fields.values() if f.alias == part), None)
            if field is None:
                return []
            current = field.annotation
        else:
            return []
    current = _unwrap(current)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return [f.alias or name for name, f in current.model_fields.items()]
    return []


def _unwrap(tp: Any) -> Any:
    """Strip Optional/list/dict/Annotated wrappers down to a model class when there is one."""
    for _ in range(6):
        origin = get_origin(tp)
        if origin is None:
            return tp
        args = [a for a in get_args(tp) if a is not type(None)]
        if origin in (list, tuple, set, frozenset) or origin is Union or str(origin).endswith("UnionType"):
            models = [a for a in args if isinstance(a, type) and issubclass(a, BaseModel)]
            if len(models) == 1:
                return models[0]
            tp = args[0] if args else tp
        elif origin is dict:
            tp = args[-1]
        else:
            tp = args[0] if args else tp
    return tp


def load_model_text(model: type[M], text: str, source: str, *, context: Any = None) -> M:
    data, positions = load_yaml(text, source)
    if data is None:
        raise FormatError([Problem(source, 1, 1, "", "file is empty")])
    return parse_model(model, data, positions, source, context=context)


def read_text_limited(path: Path) -> str:
    """Read a UTF-8 file, refusing anything over the size limit before reading it whole."""
    source = str(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise FormatError([Problem(source, None, None, "", f"cannot read file: {exc.strerror}")]) from None
    if size > MAX_BYTES:
        raise FormatError(
            [
                Problem(
                    source,
                    None,
                    None,
                    "",
                    f"file is {size // 1024} KiB; the limit is {MAX_BYTES // 1024} KiB",
                )
            ]
        )
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise FormatError(
            [Problem(source, None, None, "", f"file is not UTF-8 text ({exc.reason})")]
        ) from None
    except OSError as exc:
        raise FormatError([Problem(source, None, None, "", f"cannot read file: {exc.strerror}")]) from None


def load_model_file(model: type[M], path: Path, *, context: Any = None) -> M:
    return load_model_text(model, read_text_limited(path), str(path), context=context)
