"""Alert annotation and label templates, rendered the way Prometheus 2.42 renders them.

Owns a small interpreter for the Go text/template subset alert rules use: `{{ $value }}` (printed
with Go's `%v` float formatting: 1e+06, 0.1, NaN, +Inf), `{{ $labels.x }}`, `.Labels`/`.Value`,
pipelines, `if`/`else`, variables, and Prometheus' functions (`humanize`, `humanizePercentage`,
`humanizeDuration`, `printf`, ...). Unsupported actions (`range`, `query`, ...) raise
`TemplateError`; the caller decides how to show it. It does not evaluate PromQL.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal
from typing import Any

import re2


class TemplateError(ValueError):
    """A template that cannot be parsed or executed."""


# --- Go number formatting ---------------------------------------------------------------------


def _digits(v: float) -> tuple[str, int]:
    """Shortest round-trip decimal digits of |v| and the decimal point position (Go's digs.dp)."""
    _, digits, exp = Decimal(repr(abs(v))).as_tuple()
    ds = "".join(map(str, digits))
    dp = len(ds) + int(exp)
    stripped = ds.lstrip("0")
    dp -= len(ds) - len(stripped)
    stripped = stripped.rstrip("0") or "0"
    return stripped, dp


def go_float(v: float) -> str:
    """Go's `%v` (and shortest `%g`) for a float64: 1e+06, 1.234567e+06, 123456, 0.1, 1e-05."""
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "+Inf" if v > 0 else "-Inf"
    sign = "-" if math.copysign(1.0, v) < 0 else ""
    if v == 0:
        return sign + "0"
    ds, dp = _digits(v)
    exp = dp - 1
    if exp < -4 or exp >= 21 or exp >= 6:
        mant = ds[0] + ("." + ds[1:] if len(ds) > 1 else "")
        return f"{sign}{mant}e{'-' if exp < 0 else '+'}{abs(exp):02d}"
    if dp <= 0:
        return sign + "0." + "0" * (-dp) + ds
    if dp >= len(ds):
        return sign + ds + "0" * (dp - len(ds))
    return sign + ds[:dp] + "." + ds[dp:]


def _go_special(v: float, spec: str) -> str | None:
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "+Inf" if v > 0 else "-Inf"
    return None


def go_g4(v: float) -> str:
    """Go's `%.4g`."""
    return _go_special(v, "") or (f"{v:.4g}")


_VERB_RE = re.compile(r"%([-+# 0]*)(\d+)?(?:\.(\d+))?([a-zA-Z%])")


def go_sprintf(fmt: str, *args: Any) -> str:
    """Go's fmt.Sprintf for the verbs alert templates use (%v %s %d %f %e %g %q %x %t %%)."""
    out: list[str] = []
    pos = 0
    ai = 0
    for m in _VERB_RE.finditer(fmt):
        out.append(fmt[pos : m.start()])
        pos = m.end()
        flags, width, prec, verb = m.group(1), m.group(2), m.group(3), m.group(4)
        if verb == "%":
            out.append("%")
            continue
        if ai >= len(args):
            out.append(f"%!{verb}(MISSING)")
            continue
        arg = args[ai]
        ai += 1
        out.append(_format_one(arg, flags, width, prec, verb))
    out.append(fmt[pos:])
    if ai < len(args):
        extra = ", ".join(f"{_go_type(a)}={to_text(a)}" for a in args[ai:])
        out.append(f"%!(EXTRA {extra})")
    return "".join(out)


def _go_type(a: Any) -> str:
    if isinstance(a, bool):
        return "bool"
    if isinstance(a, int):
        return "int"
    if isinstance(a, float):
        return "float64"
    if isinstance(a, str):
        return "string"
    return "map[string]string" if isinstance(a, dict) else "interface {}"


def _format_one(arg: Any, flags: str, width: str | None, prec: str | None, verb: str) -> str:
    spec = flags + (width or "") + (f".{prec}" if prec is not None else "")
    bad = f"%!{verb}({_go_type(arg)}={to_text(arg)})"
    if verb == "v":
        s = to_text(arg)
        return f"{s:>{width}}" if width else s
    if isinstance(arg, bool):
        return ("true" if arg else "false") if verb == "t" else bad
    if isinstance(arg, float):
        if verb in "eEfFgG":
            special = _go_special(arg, spec)
            if special is not None:
                return f"{special:>{width}}" if width else special
            if verb in "gG" and prec is None:
                s = go_float(arg)
                return f"{s:>{width}}" if width else s
            return ("%" + spec + verb) % arg
        return bad
    if isinstance(arg, int):
        if verb in "dxXob":
            return ("%" + spec + verb) % arg if verb != "b" else format(arg, "b")
        if verb == "c":
            return chr(arg)
        return bad
    if isinstance(arg, str):
        if verb == "s":
            s = arg if prec is None else arg[: int(prec)]
            return ("%" + flags + (width or "") + "s") % s
        if verb == "q":
            return '"' + arg.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
        if verb in "xX":
            h = arg.encode().hex()
            return h.upper() if verb == "X" else h
        return bad
    return bad


def to_text(v: Any) -> str:
    """How text/template prints a value."""
    if v is None:
        return "<no value>"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return go_float(v)
    if isinstance(v, dict):
        return "map[" + " ".join(f"{k}:{to_text(v[k])}" for k in sorted(v)) + "]"
    return str(v)


# --- Prometheus template functions -------------------------------------------------------------


def _to_float(v: Any) -> float:
    if isinstance(v, bool):
        raise TemplateError(f"can't convert {_go_type(v)} to float")
    if isinstance(v, (int, float)):
        return float(v)
    if isinstance(v, str):
        try:
            return float(v)
        except ValueError:
            raise TemplateError(f'strconv.ParseFloat: parsing "{v}": invalid syntax') from None
    raise TemplateError(f"can't convert {_go_type(v)} to float")


def humanize(i: Any) -> str:
    v = _to_float(i)
    if v == 0 or math.isnan(v) or math.isinf(v):
        return go_g4(v)
    prefix = ""
    if abs(v) >= 1:
        for p in ("k", "M", "G", "T", "P", "E", "Z", "Y"):
            if abs(v) < 1000:
                break
            prefix = p
            v /= 1000
        return go_g4(v) + prefix
    for p in ("m", "u", "n", "p", "f", "a", "z", "y"):
        if abs(v) >= 1:
            break
        prefix = p
        v *= 1000
    return go_g4(v) + prefix


def humanize1024(i: Any) -> str:
    v = _to_float(i)
    if abs(v) <= 1 or math.isnan(v) or math.isinf(v):
        return go_g4(v)
    prefix = ""
    for p in ("ki", "Mi", "Gi", "Ti", "Pi", "Ei", "Zi", "Yi"):
        if abs(v) < 1024:
            break
        prefix = p
        v /= 1024
    return go_g4(v) + prefix


def humanize_duration(i: Any) -> str:
    v = _to_float(i)
    if math.isnan(v) or math.isinf(v):
        return go_g4(v)
    if v == 0:
        return go_g4(v) + "s"
    if abs(v) >= 1:
        sign = ""
        if v < 0:
            sign, v = "-", -v
        d = int(v)
        seconds, minutes, hours, days = d % 60, (d // 60) % 60, (d // 3600) % 24, d // 86400
        if days:
            return f"{sign}{days}d {hours}h {minutes}m {seconds}s"
        if hours:
            return f"{sign}{hours}h {minutes}m {seconds}s"
        if minutes:
            return f"{sign}{minutes}m {seconds}s"
        return f"{sign}{go_g4(v)}s"
    prefix = ""
    for p in ("m", "u", "n", "p", "f", "a", "z", "y"):
        if abs(v) >= 1:
            break
        prefix = p
        v *= 1000
    return f"{go_g4(v)}{prefix}s"


def humanize_percentage(i: Any) -> str:
    return go_g4(_to_float(i) * 100) + "%"


def _go_regex(pattern: str) -> Any:
    """`pattern` on RE2, as Go's regexp: linear time, so a template's `match` or `reReplaceAll`
    written by a scenario author cannot stall the server, and Go's syntax limits apply."""
    options = re2.Options()
    options.log_errors = False
    try:
        return re2.compile(pattern, options=options)
    except re2.error as exc:
        reason = exc.args[0] if exc.args else "invalid"
        reason = reason.decode("utf-8", "replace") if isinstance(reason, bytes) else str(reason)
        raise TemplateError(f"error parsing regexp: {reason}") from None


def _re_replace_all(pattern: str, repl: str, text: str) -> str:
    # Go's $1 / ${1} expansion -> Python's \g<1>
    py_repl = re.sub(
        r"\$\{(\w+)\}|\$(\w+)",
        lambda m: "\\g<" + (m.group(1) or m.group(2)) + ">",
        repl.replace("\\", "\\\\"),
    )
    return _go_regex(pattern).sub(py_repl, text)


def _strip_port(host_port: str) -> str:
    m = re.fullmatch(r"\[([^\]]*)\]:\d*|([^:]*):\d*", host_port)
    return (m.group(1) or m.group(2) or "") if m else host_port


def _compare(op: str, a: Any, b: Any) -> bool:
    def kind(x: Any) -> str:
        if isinstance(x, bool):
            return "bool"
        if isinstance(x, int):
            return "int"
        if isinstance(x, float):
            return "float"
        if isinstance(x, str):
            return "string"
        return "other"

    if kind(a) != kind(b):
        raise TemplateError(f"error calling {op}: incompatible types for comparison")
    if op == "eq":
        return a == b
    if op == "ne":
        return a != b
    if kind(a) in ("bool", "other"):
        raise TemplateError(f"error calling {op}: invalid type for comparison")
    return {"lt": a < b, "le": a <= b, "gt": a > b, "ge": a >= b}[op]


def _truth(v: Any) -> bool:
    if v is None:
        return False
    if isinstance(v, (bool, int, float, str, dict, list)):
        return bool(v)
    return True


FUNCTIONS: dict[str, Any] = {
    "humanize": humanize,
    "humanize1024": humanize1024,
    "humanizeDuration": humanize_duration,
    "humanizePercentage": humanize_percentage,
    "printf": lambda fmt, *a: go_sprintf(fmt, *a),
    "print": lambda *a: "".join(to_text(x) for x in a),
    "println": lambda *a: " ".join(to_text(x) for x in a) + "\n",
    "title": lambda s: re.sub(r"(^|(?<=[^\w']))(\w)", lambda m: m.group(1) + m.group(2).upper(), s),
    "toUpper": lambda s: s.upper(),
    "toLower": lambda s: s.lower(),
    "reReplaceAll": _re_replace_all,
    "match": lambda pattern, text: _go_regex(pattern).search(text) is not None,
    "safeHtml": lambda s: s,
    "stripPort": _strip_port,
    "len": lambda x: len(x),
    "index": lambda m, k: m.get(k, "") if isinstance(m, dict) else m[k],
    "not": lambda x: not _truth(x),
    "eq": lambda a, b: _compare("eq", a, b),
    "ne": lambda a, b: _compare("ne", a, b),
    "lt": lambda a, b: _compare("lt", a, b),
    "le": lambda a, b: _compare("le", a, b),
    "gt": lambda a, b: _compare("gt", a, b),
    "ge": lambda a, b: _compare("ge", a, b),
}
_UNSUPPORTED_FUNCS = {
    "query",
    "first",
    "label",
    "value",
    "strvalue",
    "sortByLabel",
    "graphLink",
    "tableLink",
    "humanizeTimestamp",
    "toTime",
    "args",
    "pathPrefix",
    "externalURL",
    "parseDuration",
    "stripDomain",
}


# --- parsing -----------------------------------------------------------------------------------

_ACTION_RE = re.compile(r"\{\{(-\s)?(.*?)(\s-)?\}\}", re.DOTALL)
_TOKEN_RE = re.compile(
    r"""\s*(?:
        (?P<str>"(?:[^"\\]|\\.)*")|(?P<raw>`[^`]*`)|
        (?P<num>[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?)|
        (?P<var>\$[A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*)|
        (?P<field>(?:\.[A-Za-z0-9_]+)+|\.)|
        (?P<assign>:=|=)|(?P<pipe>\|)|(?P<lp>\()|(?P<rp>\))|
        (?P<ident>[A-Za-z_][A-Za-z0-9_]*)
    )""",
    re.VERBOSE,
)


def _tokens(src: str) -> list[tuple[str, str]]:
    out = []
    pos = 0
    src = src.strip()
    while pos < len(src):
        m = _TOKEN_RE.match(src, pos)
        if not m or m.end() == pos:
            raise TemplateError(f"unexpected {src[pos:].strip()[:20]!r} in command")
        kind = m.lastgroup
        assert kind is not None
        out.append((kind, m.group(kind)))
        pos = m.end()
        while pos < len(src) and src[pos].isspace():
            pos += 1
    return out


def _parse_nodes(text: str) -> list:
    """Text and actions -> a tree: str | ('out', pipe) | ('set', name, pipe) | ('if', [(pipe, body)], else)."""
    items: list = []
    pos = 0
    for m in _ACTION_RE.finditer(text):
        chunk = text[pos : m.start()]
        if m.group(1):
            chunk = chunk.rstrip()
        if items and isinstance(items[-1], tuple) and items[-1][0] == "trim":
            chunk = chunk.lstrip()
            items.pop()
        items.append(chunk)
        items.append(("act", m.group(2).strip()))
        if m.group(3):
            items.append(("trim",))
        pos = m.end()
    tail = text[pos:]
    if items and isinstance(items[-1], tuple) and items[-1][0] == "trim":
        tail = tail.lstrip()
        items.pop()
    if "{{" in tail:
        raise TemplateError("unclosed action")
    items.append(tail)
    nodes, _rest = _build(items, 0, top=True)
    return nodes


def _build(items: list, i: int, top: bool) -> tuple[list, int]:
    nodes: list = []
    while i < len(items):
        it = items[i]
        if isinstance(it, str):
            if it:
                nodes.append(it)
            i += 1
            continue
        act = it[1]
        if act.startswith("/*"):
            i += 1
            continue
        word = act.split(None, 1)[0] if act else ""
        if word in ("end", "else"):
            if top:
                raise TemplateError(f"unexpected {{{{{word}}}}}")
            return nodes, i
        if word == "if":
            branches = []
            cond = act[2:].strip()
            i += 1
            while True:
                body, i = _build(items, i, top=False)
                branches.append((_pipeline(cond), body))
                if i >= len(items):
                    raise TemplateError("unexpected EOF: missing {{end}}")
                act2 = items[i][1]
                i += 1
                if act2 == "end":
                    nodes.append(("if", branches, []))
                    break
                if act2.startswith("else if"):
                    cond = act2[len("else if") :].strip()
                    continue
                if act2 == "else":
                    else_body, i = _build(items, i, top=False)
                    if i >= len(items) or items[i][1] != "end":
                        raise TemplateError("unexpected EOF: missing {{end}}")
                    i += 1
                    nodes.append(("if", branches, else_body))
                    break
                raise TemplateError(f"unexpected {{{{{act2}}}}}")
            continue
        if word in ("range", "with", "define", "template", "block", "break", "continue"):
            raise TemplateError(f"unsupported template action {word!r}")
        m = re.match(r"^(\$[A-Za-z0-9_]*)\s*(:=|=)\s*(.*)$", act, re.DOTALL)
        if m:
            nodes.append(("set", m.group(1), _pipeline(m.group(3))))
        else:
            nodes.append(("out", _pipeline(act)))
        i += 1
    if not top:
        raise TemplateError("unexpected EOF: missing {{end}}")
    return nodes, i


def _pipeline(src: str) -> list[list]:
    toks = _tokens(src)
    if not toks:
        raise TemplateError("missing value for command")
    cmds: list[list] = [[]]
    depth = 0
    group: list = []
    for kind, val in toks:
        if depth:
            if kind == "lp":
                depth += 1
            elif kind == "rp":
                depth -= 1
                if depth == 0:
                    cmds[-1].append(("pipe", _pipeline(" ".join(v for _, v in group))))
                    group = []
                    continue
            group.append((kind, val))
            continue
        if kind == "lp":
            depth = 1
            continue
        if kind == "pipe":
            if not cmds[-1]:
                raise TemplateError("missing command before |")
            cmds.append([])
            continue
        if kind == "rp":
            raise TemplateError("unexpected right paren")
        if kind == "assign":
            raise TemplateError("unexpected assignment")
        cmds[-1].append((kind, val))
    if depth:
        raise TemplateError("unclosed left paren")
    if not cmds[-1]:
        raise TemplateError("missing command after |")
    return cmds


# --- execution ---------------------------------------------------------------------------------


def _operand(tok: tuple, dot: Any, variables: dict[str, Any]) -> Any:
    kind, val = tok
    if kind == "str":
        return bytes(val[1:-1], "utf-8").decode("unicode_escape") if "\\" in val else val[1:-1]
    if kind == "raw":
        return val[1:-1]
    if kind == "num":
        return float(val) if any(c in val for c in ".eE") else int(val)
    if kind == "pipe":
        return _run_pipeline(val, dot, variables)
    if kind == "var":
        name, *fields = val.split(".")
        if name not in variables:
            raise TemplateError(f'undefined variable "{name}"')
        return _fields(variables[name], fields)
    if kind == "field":
        return dot if val == "." else _fields(dot, val.split(".")[1:])
    if kind == "ident":
        if val in ("true", "false"):
            return val == "true"
        if val == "nil":
            raise TemplateError("nil is not a command")
        return _call(val, [])
    raise TemplateError(f"unexpected {val!r}")


def _fields(v: Any, fields: list[str]) -> Any:
    for f in fields:
        if isinstance(v, dict):
            v = v.get(f, "" if all(isinstance(x, str) for x in v.values()) else None)
        else:
            raise TemplateError(f"can't evaluate field {f} in type {_go_type(v)}")
    return v


def _call(name: str, args: list[Any]) -> Any:
    if name in _UNSUPPORTED_FUNCS:
        raise TemplateError(f'function "{name}" is not supported by firedrill templates')
    fn = FUNCTIONS.get(name)
    if fn is None:
        if name in ("and", "or"):
            if not args:
                raise TemplateError(f"wrong number of args for {name}")
            for a in args:
                if _truth(a) != (name == "and"):
                    return a
            return args[-1]
        raise TemplateError(f'function "{name}" not defined')
    try:
        return fn(*args)
    except TemplateError:
        raise
    except TypeError:
        raise TemplateError(f"wrong number of args for {name}") from None
    except (KeyError, IndexError, ValueError) as exc:
        raise TemplateError(f"error calling {name}: {exc}") from None


def _run_pipeline(cmds: list[list], dot: Any, variables: dict[str, Any]) -> Any:
    value: Any = None
    for n, cmd in enumerate(cmds):
        head = cmd[0]
        piped = [value] if n > 0 else []
        if head[0] == "ident" and head[1] not in ("true", "false", "nil"):
            args = [_operand(t, dot, variables) for t in cmd[1:]]
            value = _call(head[1], args + piped)
        else:
            if len(cmd) > 1 or piped:
                raise TemplateError(f"can't give argument to non-function {head[1]}")
            value = _operand(head, dot, variables)
    return value


def _execute(nodes: list, dot: Any, variables: dict[str, Any], out: list[str]) -> None:
    for node in nodes:
        if isinstance(node, str):
            out.append(node)
        elif node[0] == "out":
            out.append(to_text(_run_pipeline(node[1], dot, variables)))
        elif node[0] == "set":
            variables[node[1]] = _run_pipeline(node[2], dot, variables)
        elif node[0] == "if":
            for cond, body in node[1]:
                if _truth(_run_pipeline(cond, dot, variables)):
                    _execute(body, dot, variables, out)
                    break
            else:
                _execute(node[2], dot, variables, out)


_CACHE: dict[str, list] = {}


def compile_template(text: str) -> list:
    nodes = _CACHE.get(text)
    if nodes is None:
        nodes = _parse_nodes(text)
        if len(_CACHE) < 4096:
            _CACHE[text] = nodes
    return nodes


def render(
    text: str,
    labels: dict[str, str],
    value: float,
    external_labels: dict[str, str] | None = None,
    external_url: str = "",
) -> str:
    """Expand one alert template with Prometheus' data: $labels, $value, $externalLabels, $externalURL."""
    if "{{" not in text:
        return text
    data = {
        "Labels": dict(labels),
        "ExternalLabels": dict(external_labels or {}),
        "ExternalURL": external_url,
        "Value": float(value),
    }
    variables = {
        "$": data,
        "$labels": data["Labels"],
        "$externalLabels": data["ExternalLabels"],
        "$externalURL": external_url,
        "$value": data["Value"],
    }
    out: list[str] = []
    _execute(compile_template(text), data, variables, out)
    return "".join(out)


def expand(text: str, labels: dict[str, str], value: float, **kw: Any) -> str:
    """`render`, but a broken template yields Prometheus' `<error expanding template: ...>` text."""
    try:
        return render(text, labels, value, **kw)
    except TemplateError as exc:
        return f"<error expanding template: {exc}>"


def check_template(text: str) -> None:
    """Raise `TemplateError` if `text` does not parse (for validating rule files)."""
    compile_template(text)
