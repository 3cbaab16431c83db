"""PromQL parser for firedrill's subset: text -> typed syntax tree, or a `PromQLError`.

Owns the grammar (operator precedence, vector matching, aggregation clauses) and the static type
checks Prometheus 2.42 does at parse time. Anything outside the subset is rejected here, naming the
construct and its column, so it can never be silently mis-evaluated. Evaluation is `evaluator.py`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import cast

from ..durations import MAX_DURATION_MS, MAX_DURATION_TEXT
from .regex import LabelRegexError, compile_label_regex, label_regex_matches

SUPPORTED_FUNCTIONS = (
    "rate",
    "increase",
    "avg_over_time",
    "min_over_time",
    "max_over_time",
    "sum_over_time",
    "count_over_time",
    "absent",
    "histogram_quantile",
)
SUPPORTED_AGGREGATIONS = ("sum", "avg", "min", "max", "count")
KNOWN_AGGREGATIONS = (
    *SUPPORTED_AGGREGATIONS,
    "group",
    "stddev",
    "stdvar",
    "topk",
    "bottomk",
    "quantile",
    "count_values",
)
RANGE_FUNCTIONS = {
    "rate",
    "increase",
    "avg_over_time",
    "min_over_time",
    "max_over_time",
    "sum_over_time",
    "count_over_time",
}
COMPARISONS = ("==", "!=", ">", "<", ">=", "<=")
ARITHMETIC = ("+", "-", "*", "/", "%", "^")
SET_OPS = ("and", "or", "unless")
_PRECEDENCE = {
    "or": 1,
    "and": 2,
    "unless": 2,
    **{c: 3 for c in COMPARISONS},
    "+": 4,
    "-": 4,
    "*": 5,
    "/": 5,
    "%": 5,
    "^": 6,
}
_KEYWORDS = {
    "by",
    "without",
    "on",
    "ignoring",
    "group_left",
    "group_right",
    "bool",
    "offset",
    "and",
    "or",
    "unless",
}


class PromQLError(ValueError):
    """An expression firedrill cannot accept. `position` is the 0-based offset in the text."""

    def __init__(self, message: str, position: int = 0, hint: str = "", text: str = ""):
        self.message = message
        self.position = position
        self.hint = hint
        self.text = text
        super().__init__(str(self))

    @property
    def column(self) -> int:
        """1-based column within its line (expressions may span lines in YAML block scalars)."""
        before = self.text[: self.position]
        return self.position - (before.rfind("\n") + 1) + 1

    @property
    def line(self) -> int:
        return self.text[: self.position].count("\n") + 1

    def __str__(self) -> str:
        where = f"at column {self.column}" if self.line == 1 else f"at line {self.line}, column {self.column}"
        return f"{self.message} {where}" + (f"; {self.hint}" if self.hint else "")


# --- syntax tree ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Matcher:
    name: str
    op: str  # = != =~ !~
    value: str

    def matches(self, v: str) -> bool:
        if self.op == "=":
            return v == self.value
        if self.op == "!=":
            return v != self.value
        ok = label_regex_matches(self.value, v)
        return ok if self.op == "=~" else not ok


@dataclass(frozen=True)
class Expr:
    pos: int

    @property
    def type(self) -> str:  # "scalar" | "vector" | "matrix"
        raise NotImplementedError


@dataclass(frozen=True)
class NumberLiteral(Expr):
    value: float

    @property
    def type(self) -> str:
        return "scalar"


@dataclass(frozen=True)
class VectorSelector(Expr):
    name: str | None
    matchers: tuple[Matcher, ...]  # includes the __name__ matcher when a name is given

    @property
    def type(self) -> str:
        return "vector"


@dataclass(frozen=True)
class MatrixSelector(Expr):
    selector: VectorSelector
    range_ms: int

    @property
    def type(self) -> str:
        return "matrix"


@dataclass(frozen=True)
class Call(Expr):
    func: str
    args: tuple[Expr, ...]

    @property
    def type(self) -> str:
        return "vector"


@dataclass(frozen=True)
class Aggregate(Expr):
    op: str
    expr: Expr
    grouping: tuple[str, ...]
    without: bool

    @property
    def type(self) -> str:
        return "vector"


@dataclass(frozen=True)
class Binary(Expr):
    op: str
    lhs: Expr
    rhs: Expr
    return_bool: bool = False
    on: bool = False  # True: on(labels); False: ignoring(labels) (empty = match on all but the name)
    matching: tuple[str, ...] = ()

    @property
    def type(self) -> str:
        return "scalar" if self.lhs.type == "scalar" and self.rhs.type == "scalar" else "vector"


@dataclass(frozen=True)
class Unary(Expr):
    op: str
    expr: Expr

    @property
    def type(self) -> str:
        return self.expr.type


@dataclass(frozen=True)
class Paren(Expr):
    expr: Expr

    @property
    def type(self) -> str:
        return self.expr.type


@dataclass(frozen=True)
class Parsed:
    """A checked expression plus its source text (what `evaluate` accepts besides a string)."""

    root: Expr
    text: str
    selectors: tuple[VectorSelector, ...] = field(default=())

    @property
    def type(self) -> str:
        return self.root.type


# --- lexer ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Token:
    kind: str  # num, dur, str, ident, op, punct, eof
    text: str
    pos: int
    value: object = None


_DUR_UNITS = {
    "ms": 1,
    "s": 1000,
    "m": 60_000,
    "h": 3_600_000,
    "d": 86_400_000,
    "w": 604_800_000,
    "y": 31_536_000_000,
}
_DURATION_RE = re.compile(r"(?:\d+(?:ms|[smhdwy]))+")
_DUR_PART = re.compile(r"(\d+)(ms|[smhdwy])")
_NUMBER_RE = re.compile(r"0[xX][0-9a-fA-F]+|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_IDENT_RE = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
_OPS = ("==", "!=", ">=", "<=", "=~", "!~", "+", "-", "*", "/", "%", "^", ">", "<", "=")


def parse_duration_ms(text: str) -> int:
    return sum(int(n) * _DUR_UNITS[u] for n, u in _DUR_PART.findall(text))


def _lex(text: str) -> list[Token]:
    out: list[Token] = []
    i, n = 0, len(text)
    bracket = False  # inside [...] durations are lexed
    while i < n:
        c = text[i]
        if c in " \t\r\n":
            i += 1
            continue
        if c == "#":
            while i < n and text[i] != "\n":
                i += 1
            continue
        if bracket:
            m = _DURATION_RE.match(text, i)
            if m:
                range_ms = parse_duration_ms(m.group())
                if range_ms > MAX_DURATION_MS:
                    raise PromQLError(
                        f"duration {m.group()!r} is out of range",
                        i,
                        f"at most {MAX_DURATION_TEXT} (about 292 years), as in Prometheus",
                        text,
                    )
                out.append(Token("dur", m.group(), i, range_ms))
                i = m.end()
                continue
        if c in "\"'`":
            j = i + 1
            buf = []
            while j < n and text[j] != c:
                if text[j] == "\\" and c != "`" and j + 1 < n:
                    esc = text[j + 1]
                    buf.append(
                        {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", '"': '"', "'": "'"}.get(esc, "\\" + esc)
                    )
                    j += 2
                    continue
                buf.append(text[j])
                j += 1
            if j >= n:
                raise PromQLError("unterminated string", i, text=text)
            out.append(Token("str", text[i : j + 1], i, "".join(buf)))
            i = j + 1
            continue
        if out and out[-1].kind == "ident" and out[-1].text == "offset":
            raise PromQLError('unsupported "offset" modifier', out[-1].pos, text=text)
        if c.isdigit() or (c == "." and i + 1 < n and text[i + 1].isdigit()):
            m = _NUMBER_RE.match(text, i)
            assert m is not None
            end = m.end()
            if (
                end < n
                and (text[end].isalpha() or text[end] == "_")
                and not text[m.start() : end].lower().startswith("0x")
            ):
                dm = _DURATION_RE.match(text, i)
                raise PromQLError(
                    f"duration {dm.group() if dm else text[i : end + 1]!r} outside a range selector"
                    if dm
                    else f"bad number {text[i : end + 1]!r}",
                    i,
                    "durations only appear inside [...] of a range selector",
                    text,
                )
            tok = m.group()
            val = float(int(tok, 16)) if tok.lower().startswith("0x") else float(tok)
            out.append(Token("num", tok, i, val))
            i = end
            continue
        if c == ":" and bracket:
            raise PromQLError("unsupported subquery", i, "firedrill evaluates range selectors only", text)
        if (c.isascii() and c.isalpha()) or c in "_:":  # PromQL names are ASCII; 'À' is not a letter here
            m = _IDENT_RE.match(text, i)
            assert m is not None
            out.append(Token("ident", m.group(), i))
            i = m.end()
            continue
        if c in "(){}[],":
            if c == "[":
                bracket = True
            elif c == "]":
                bracket = False
            out.append(Token("punct", c, i))
            i += 1
            continue
        if c == "@":
            raise PromQLError('unsupported "@" modifier', i, text=text)
        for op in _OPS:
            if text.startswith(op, i):
                out.append(Token("op", op, i))
                i += len(op)
                break
        else:
            raise PromQLError(f"unexpected character {c!r}", i, text=text)
    out.append(Token("eof", "", n))
    return out


# --- parser ---------------------------------------------------------------------------------


class _Parser:
    def __init__(self, text: str):
        self.text = text
        self.toks = _lex(text)
        self.i = 0
        self.selectors: list[VectorSelector] = []

    def err(self, message: str, pos: int | None = None, hint: str = "") -> PromQLError:
        return PromQLError(message, self.peek().pos if pos is None else pos, hint, self.text)

    def peek(self, k: int = 0) -> Token:
        return self.toks[min(self.i + k, len(self.toks) - 1)]

    def next(self) -> Token:
        t = self.toks[self.i]
        self.i += 1
        return t

    def accept(self, kind: str, text: str | None = None) -> Token | None:
        t = self.peek()
        if t.kind == kind and (text is None or t.text == text):
            self.i += 1
            return t
        return None

    def expect(self, kind: str, text: str, what: str) -> Token:
        t = self.accept(kind, text)
        if t is None:
            found = self.peek()
            shown = "end of expression" if found.kind == "eof" else repr(found.text)
            raise self.err(f"expected {what} but found {shown}")
        return t

    def binary_op(self) -> str | None:
        t = self.peek()
        if t.kind == "op" and t.text in COMPARISONS + ARITHMETIC:
            return t.text
        if t.kind == "ident" and t.text.lower() in SET_OPS:
            return t.text.lower()
        if t.kind == "ident" and t.text.lower() == "atan2":
            raise self.err('unsupported binary operator "atan2"')
        return None

    # precedence climbing; ^ is right-associative
    def expr(self, min_prec: int = 0) -> Expr:
        lhs = self.unary()
        while True:
            op = self.binary_op()
            if op is None or _PRECEDENCE[op] < min_prec:
                return lhs
            op_tok = self.next()
            return_bool, on, matching = self.modifiers(op, op_tok)
            nxt = _PRECEDENCE[op] if op == "^" else _PRECEDENCE[op] + 1
            rhs = self.expr(nxt)
            lhs = self.check_binary(Binary(op_tok.pos, op, lhs, rhs, return_bool, on, matching))

    def modifiers(self, op: str, op_tok: Token) -> tuple[bool, bool, tuple[str, ...]]:
        return_bool = False
        if self.peek().kind == "ident" and self.peek().text == "bool":
            t = self.next()
            if op not in COMPARISONS:
                raise self.err("bool modifier can only be used on comparison operators", t.pos)
            return_bool = True
        on, matching = False, tuple[str, ...]()
        if self.peek().kind == "ident" and self.peek().text in ("on", "ignoring"):
            on = self.next().text == "on"
            matching = self.label_list()
            if self.peek().kind == "ident" and self.peek().text in ("group_left", "group_right"):
                t = self.peek()
                raise self.err(
                    f"unsupported {t.text} (many-to-one matching)",
                    t.pos,
                    "firedrill supports one-to-one matching with on/ignoring",
                )
        elif self.peek().kind == "ident" and self.peek().text in ("group_left", "group_right"):
            raise self.err(f"unsupported {self.peek().text} (many-to-one matching)")
        return return_bool, on, matching

    def check_binary(self, b: Binary) -> Binary:
        lt, rt = b.lhs.type, b.rhs.type
        if "matrix" in (lt, rt):
            raise self.err("binary expression must contain only scalar and instant vector types", b.pos)
        if b.op in SET_OPS:
            if lt != "vector" or rt != "vector":
                raise self.err(f"set operator {b.op!r} not allowed in binary scalar expression", b.pos)
            if b.return_bool:
                raise self.err("bool modifier can only be used on comparison operators", b.pos)
        elif b.op in COMPARISONS and lt == "scalar" and rt == "scalar" and not b.return_bool:
            raise self.err("comparisons between scalars must use BOOL modifier", b.pos)
        if (b.on or b.matching) and (lt == "scalar" or rt == "scalar"):
            raise self.err("vector matching only allowed between instant vectors", b.pos)
        return b

    def unary(self) -> Expr:
        t = self.peek()
        if t.kind == "op" and t.text in ("+", "-"):
            self.next()
            inner = self.expr(_PRECEDENCE["^"])
            if inner.type == "matrix":
                raise self.err(
                    "unary expression only allowed on expressions of type scalar or instant vector", t.pos
                )
            if t.text == "+":
                return inner
            if isinstance(inner, NumberLiteral):
                return NumberLiteral(t.pos, -inner.value)
            return Unary(t.pos, "-", inner)
        return self.postfix(self.primary())

    def postfix(self, e: Expr) -> Expr:
        if self.peek().kind == "punct" and self.peek().text == "[":
            lb = self.next()
            if not isinstance(e, VectorSelector):
                raise self.err("unsupported subquery (range over an expression)", lb.pos)
            d = self.peek()
            if d.kind != "dur":
                raise self.err("expected a duration like 5m inside [...]")
            self.next()
            self.expect("punct", "]", '"]"')
            millis = int(cast(int, d.value))  # a "dur" token's value is whole milliseconds
            if millis == 0:
                raise self.err("range must be greater than zero", d.pos)
            e = MatrixSelector(e.pos, e, millis)
        if self.peek().kind == "ident" and self.peek().text == "offset":
            raise self.err('unsupported "offset" modifier')
        return e

    def primary(self) -> Expr:
        t = self.peek()
        if t.kind == "num":
            self.next()
            return NumberLiteral(t.pos, float(t.value))  # type: ignore[arg-type]
        if t.kind == "str":
            raise self.err("unsupported string literal", t.pos, "rule expressions must be scalars or vectors")
        if t.kind == "punct" and t.text == "(":
            self.next()
            inner = self.expr()
            self.expect("punct", ")", '")"')
            return Paren(t.pos, inner)
        if t.kind == "punct" and t.text == "{":
            return self.selector(None, t.pos)
        if t.kind == "ident":
            low = t.text.lower()
            if low in ("inf", "nan"):
                self.next()
                return NumberLiteral(t.pos, float(low))
            nxt = self.peek(1)
            if low in KNOWN_AGGREGATIONS and (nxt.text in ("(", "by", "without")):
                return self.aggregate()
            if nxt.kind == "punct" and nxt.text == "(":
                return self.call()
            if t.text in _KEYWORDS:
                raise self.err(f"unexpected keyword {t.text!r}", t.pos)
            self.next()
            return self.selector(t.text, t.pos)
        if t.kind == "eof":
            raise self.err("unexpected end of expression")
        raise self.err(f"unexpected {t.text!r}")

    def selector(self, name: str | None, pos: int) -> VectorSelector:
        matchers: list[Matcher] = []
        if name is not None:
            matchers.append(Matcher("__name__", "=", name))
        if self.accept("punct", "{"):
            while not self.accept("punct", "}"):
                lt = self.next()
                if lt.kind != "ident":
                    raise self.err(f"expected a label name but found {lt.text!r}", lt.pos)
                op = self.next()
                if op.kind != "op" or op.text not in ("=", "!=", "=~", "!~"):
                    raise self.err(f"expected a label matcher (=, !=, =~, !~) but found {op.text!r}", op.pos)
                vt = self.next()
                if vt.kind != "str":
                    raise self.err(f"expected a quoted label value but found {vt.text!r}", vt.pos)
                value = str(vt.value)
                if op.text in ("=~", "!~"):
                    try:
                        compile_label_regex(value)
                    except LabelRegexError as exc:
                        raise self.err(f"bad regular expression {value!r}: {exc}", vt.pos) from None
                if lt.text == "__name__" and name is not None:
                    raise self.err("metric name must not be set twice", lt.pos)
                matchers.append(Matcher(lt.text, op.text, value))
                if not self.accept("punct", ","):
                    self.expect("punct", "}", '"," or "}"')
                    break
        if not any(not m.matches("") for m in matchers):
            raise self.err("vector selector must contain at least one non-empty matcher", pos)
        if name is None:
            for m in matchers:
                if m.name == "__name__" and m.op == "=":
                    name = m.value
        vs = VectorSelector(pos, name, tuple(matchers))
        self.selectors.append(vs)
        return vs

    def label_list(self) -> tuple[str, ...]:
        self.expect("punct", "(", '"("')
        names: list[str] = []
        while not self.accept("punct", ")"):
            t = self.next()
            if t.kind != "ident":
                raise self.err(f"expected a label name but found {t.text!r}", t.pos)
            names.append(t.text)
            if not self.accept("punct", ","):
                self.expect("punct", ")", '"," or ")"')
                break
        return tuple(names)

    def aggregate(self) -> Aggregate:
        t = self.next()
        op = t.text.lower()
        if op not in SUPPORTED_AGGREGATIONS:
            raise self.err(
                f"unsupported aggregation {t.text!r}",
                t.pos,
                "supported: " + ", ".join(SUPPORTED_AGGREGATIONS),
            )
        grouping: tuple[str, ...] = ()
        without = False
        have_clause = False
        if self.peek().text in ("by", "without"):
            without = self.next().text == "without"
            grouping = self.label_list()
            have_clause = True
        lp = self.expect("punct", "(", '"("')
        inner = self.expr()
        if self.accept("punct", ","):
            raise self.err(f"{op} takes one argument", lp.pos)
        self.expect("punct", ")", '")"')
        if not have_clause and self.peek().text in ("by", "without"):
            without = self.next().text == "without"
            grouping = self.label_list()
        if inner.type != "vector":
            raise self.err(
                f"expected type instant vector in aggregation expression, got {_type_name(inner.type)}",
                inner.pos,
            )
        return Aggregate(t.pos, op, inner, grouping, without)

    def call(self) -> Call:
        t = self.next()
        name = t.text
        if name not in SUPPORTED_FUNCTIONS:
            raise self.err(
                f"unsupported function {name!r}".replace("'", '"'),
                t.pos,
                "supported: " + ", ".join(SUPPORTED_FUNCTIONS),
            )
        self.expect("punct", "(", '"("')
        args: list[Expr] = []
        while not self.accept("punct", ")"):
            args.append(self.expr())
            if not self.accept("punct", ","):
                self.expect("punct", ")", '"," or ")"')
                break
        expected = (
            ("scalar", "vector")
            if name == "histogram_quantile"
            else (("matrix",) if name in RANGE_FUNCTIONS else ("vector",))
        )
        if len(args) != len(expected):
            raise self.err(f"function {name!r} takes {len(expected)} argument(s), got {len(args)}", t.pos)
        for a, want in zip(args, expected, strict=True):
            if a.type != want:
                raise self.err(
                    f"function {name!r} expects {_type_name(want)}, got {_type_name(a.type)}",
                    a.pos,
                    "e.g. rate(x[5m])" if want == "matrix" else "",
                )
        return Call(t.pos, name, tuple(args))


def _type_name(t: str) -> str:
    return {"matrix": "range vector", "vector": "instant vector", "scalar": "scalar"}[t]


_PARSE_CACHE: dict[str, Parsed] = {}
# Real rule expressions are a few hundred characters; the query boxes allow this much and the
# parser refuses more, so one pasted megabyte cannot keep the server busy.
MAX_EXPRESSION_CHARS = 10_000


def parse(expr: str) -> Parsed:
    """Parse and type-check `expr`; raises `PromQLError` naming the construct and its column."""
    cached = _PARSE_CACHE.get(expr)
    if cached is not None:
        return cached
    if not isinstance(expr, str) or not expr.strip():
        raise PromQLError("empty expression", 0, text=expr or "")
    if len(expr) > MAX_EXPRESSION_CHARS:
        raise PromQLError(
            f"the expression is {len(expr):,} characters long",
            0,
            f"at most {MAX_EXPRESSION_CHARS:,} are allowed; split it into recording rules",
            expr,
        )
    p = _Parser(expr)
    try:
        root = p.expr()
    except RecursionError:
        # Hostile nesting ("((((…" or a 5000-term sum) must be a clear error, not a crash.
        raise PromQLError(
            "the expression is nested too deeply", 0, "split it into recording rules", expr
        ) from None
    if p.peek().kind != "eof":
        t = p.peek()
        if t.kind == "punct" and t.text == ":":
            raise p.err("unsupported subquery")
        raise p.err(f"unexpected {t.text!r} after a complete expression")
    if root.type == "matrix":
        raise p.err("a range vector cannot be a rule result; wrap it in a function like rate(...)", root.pos)
    parsed = Parsed(root, expr, tuple(p.selectors))
    if len(_PARSE_CACHE) < 4096:
        _PARSE_CACHE[expr] = parsed
    return parsed
