"""The log search language, as people type it into Kibana: Lucene query-string syntax.

Owns parsing (`field:value`, "quoted phrases", wildcards `*` and `?`, `AND`/`OR`/`NOT` with
`NOT` binding tighter than `AND`, `AND` tighter than `OR`, implicit `AND` between terms,
parentheses, `-term`, ranges `status:[500 TO 599]`, comparisons `latency_ms:>1000`,
`_exists_:field`) and running a query over a log frame with a time range, giving the matching
lines and a histogram of matches over time. Does not generate logs (`logs`).

Matching follows Elasticsearch's defaults closely enough to build the right habits: the
`message` field is full text (a term matches a whole word, a phrase matches consecutive words,
case-insensitive); every other field is a keyword (a term must match the whole value; use
wildcards for parts). A bare term searches every field. Operators may be written in lower case,
as Kibana's KQL allows.

Terms are matched with RE2 (linear time, like Elasticsearch's own automata), never Python's
backtracking `re`: a wildcard term like `*?*?*?*?*?*?*?*?Q` took over a minute with `re` and, holding
the interpreter lock, froze every session of the server.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd
import re2

TEXT_FIELDS = frozenset({"message"})
SEARCHABLE_FIXED = ("level", "service", "host", "request_id", "message")
_NICE_INTERVALS = (1, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400)
MAX_QUERY_LENGTH = 2000


class LogQueryError(ValueError):
    """A query that cannot be parsed or run; `position` is 1-based in the query text."""

    def __init__(self, message: str, position: int):
        super().__init__(f"{message} (at position {position})")
        self.message = message
        self.position = position


# --- syntax tree ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Term:
    field: str | None
    text: str
    phrase: bool
    pos: int

    @property
    def wildcard(self) -> bool:
        return not self.phrase and ("*" in self.text or "?" in self.text)


@dataclass(frozen=True)
class Range:
    field: str
    low: str | None  # None = open (`*`)
    high: str | None
    include_low: bool
    include_high: bool
    pos: int


@dataclass(frozen=True)
class Exists:
    field: str
    pos: int


@dataclass(frozen=True)
class MatchAll:
    pos: int


@dataclass(frozen=True)
class Not:
    item: Node


@dataclass(frozen=True)
class And:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    items: tuple[Node, ...]


Node = Term | Range | Exists | MatchAll | Not | And | Or


# --- tokenizer ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Tok:
    kind: str  # WORD PHRASE AND OR NOT LPAREN RPAREN LBRACK RBRACK LBRACE RBRACE COLON MINUS PLUS EOF
    text: str
    pos: int  # 1-based


_SPECIAL = set('()[]{}:"')
_OPERATORS = {"AND": "AND", "OR": "OR", "NOT": "NOT", "&&": "AND", "||": "OR"}


def _tokenize(query: str) -> list[_Tok]:
    toks: list[_Tok] = []
    i, n = 0, len(query)
    single = {
        "(": "LPAREN",
        ")": "RPAREN",
        "[": "LBRACK",
        "]": "RBRACK",
        "{": "LBRACE",
        "}": "RBRACE",
        ":": "COLON",
    }
    while i < n:
        c = query[i]
        if c.isspace():
            i += 1
            continue
        pos = i + 1
        if c in single:
            toks.append(_Tok(single[c], c, pos))
            i += 1
            continue
        if c == '"':
            j = i + 1
            buf: list[str] = []
            while j < n and query[j] != '"':
                if query[j] == "\\" and j + 1 < n:
                    buf.append(query[j + 1])
                    j += 2
                    continue
                buf.append(query[j])
                j += 1
            if j >= n:
                raise LogQueryError('this quoted phrase is never closed; add the closing "', pos)
            toks.append(_Tok("PHRASE", "".join(buf), pos))
            i = j + 1
            continue
        if c in "-+!" and i + 1 < n and not query[i + 1].isspace() and query[i + 1] not in "-+!":
            # A prefix operator at the start of a term: `-level:INFO`, `!foo`, `+bar`. Inside a
            # word a dash is just a character (`acme-analytics`), consumed by the word loop below.
            toks.append(_Tok({"-": "NOT", "!": "NOT", "+": "PLUS"}[c], c, pos))
            i += 1
            continue
        j = i
        buf = []
        while j < n and not query[j].isspace() and query[j] not in _SPECIAL:
            if query[j] == "\\" and j + 1 < n:
                buf.append(query[j + 1])
                j += 2
                continue
            buf.append(query[j])
            j += 1
        word = "".join(buf)
        if not word:  # a lone special char like a stray backslash at the end
            raise LogQueryError(f"unexpected character {c!r}", pos)
        op = _OPERATORS.get(word.upper()) if word.upper() in ("AND", "OR", "NOT") else _OPERATORS.get(word)
        toks.append(_Tok(op, word, pos) if op else _Tok("WORD", word, pos))
        i = j
    toks.append(_Tok("EOF", "", n + 1))
    return toks


# --- parser ---------------------------------------------------------------------------------


class _Parser:
    """Recursive descent: or := and (OR and)*; and := unary ((AND)? unary)*; unary := NOT unary | primary."""

    def __init__(self, query: str):
        self.toks = _tokenize(query)
        self.i = 0

    def peek(self) -> _Tok:
        return self.toks[self.i]

    def take(self) -> _Tok:
        # Never step past the EOF token: a query cut off mid-range ("a:[1 TO") then reports EOF.
        t = self.toks[min(self.i, len(self.toks) - 1)]
        self.i += 1
        return t

    def parse(self) -> Node:
        if self.peek().kind == "EOF":
            return MatchAll(1)
        node = self.parse_or(None)
        t = self.peek()
        if t.kind == "RPAREN":
            raise LogQueryError("this ')' has no matching '('", t.pos)
        if t.kind != "EOF":
            raise LogQueryError(f"unexpected {t.text!r}", t.pos)
        return node

    def parse_or(self, field: str | None) -> Node:
        items = [self.parse_and(field)]
        while self.peek().kind == "OR":
            op = self.take()
            self._need_operand(op)
            items.append(self.parse_and(field))
        return items[0] if len(items) == 1 else Or(tuple(items))

    def parse_and(self, field: str | None) -> Node:
        items = [self.parse_unary(field)]
        while True:
            t = self.peek()
            if t.kind == "AND":
                self.take()
                self._need_operand(t)
                items.append(self.parse_unary(field))
            elif t.kind in ("WORD", "PHRASE", "NOT", "PLUS", "LPAREN"):
                items.append(self.parse_unary(field))  # implicit AND
            else:
                break
        return items[0] if len(items) == 1 else And(tuple(items))

    def parse_unary(self, field: str | None) -> Node:
        t = self.peek()
        if t.kind == "NOT":
            self.take()
            self._need_operand(t)
            return Not(self.parse_unary(field))
        if t.kind == "PLUS":
            self.take()
            self._need_operand(t)
            return self.parse_unary(field)
        return self.parse_primary(field)

    def _need_operand(self, op: _Tok) -> None:
        nxt = self.peek()
        if nxt.kind in ("EOF", "RPAREN", "AND", "OR"):
            where = "at the end" if nxt.kind == "EOF" else f"before {nxt.text!r}"
            raise LogQueryError(f"{op.text} needs a search term after it; found nothing {where}", op.pos)

    def parse_primary(self, field: str | None) -> Node:
        t = self.take()
        if t.kind == "LPAREN":
            if self.peek().kind == "RPAREN":
                raise LogQueryError("empty parentheses", t.pos)
            node = self.parse_or(field)
            close = self.take()
            if close.kind != "RPAREN":
                raise LogQueryError("this '(' is never closed; add a ')'", t.pos)
            return node
        if t.kind == "PHRASE":
            return Term(field, t.text, True, t.pos)
        if t.kind == "WORD":
            if self.peek().kind == "COLON":
                if field is not None:
                    raise LogQueryError(f"field {t.text!r} inside a group for field {field!r}", t.pos)
                colon = self.take()
                return self.parse_field_value(t, colon)
            if t.text == "*":
                return MatchAll(t.pos)
            return Term(field, t.text, False, t.pos)
        if t.kind == "RPAREN":
            raise LogQueryError("this ')' has no matching '('", t.pos)
        if t.kind == "EOF":
            raise LogQueryError("the query ends where a search term was expected", t.pos)
        if t.kind == "COLON":
            raise LogQueryError("':' needs a field name before it, like status:500", t.pos)
        raise LogQueryError(f"unexpected {t.text!r}", t.pos)

    def parse_field_value(self, name: _Tok, colon: _Tok) -> Node:
        field = name.text
        t = self.peek()
        if t.kind in ("EOF", "RPAREN", "AND", "OR", "COLON"):
            raise LogQueryError(
                f"field {field!r} needs a value right after ':', like {field}:value", colon.pos
            )
        if field == "_exists_":
            v = self.take()
            if v.kind != "WORD":
                raise LogQueryError("_exists_ needs a field name, like _exists_:tenant", v.pos)
            return Exists(v.text, v.pos)
        if t.kind == "LPAREN":
            return self.parse_primary(field)
        if t.kind in ("LBRACK", "LBRACE"):
            return self.parse_range(field, name.pos)
        if t.kind == "PHRASE":
            self.take()
            return Term(field, t.text, True, name.pos)
        if t.kind == "WORD":
            self.take()
            m = re.fullmatch(r"(>=|<=|>|<)(.+)", t.text)
            if m:
                op, value = m.groups()
                return Range(
                    field,
                    value if op.startswith(">") else None,
                    value if op.startswith("<") else None,
                    op == ">=",
                    op == "<=",
                    name.pos,
                )
            if t.text == "*":
                return Exists(field, name.pos)
            return Term(field, t.text, False, name.pos)
        raise LogQueryError(f"field {field!r} needs a value after ':'", colon.pos)

    def parse_range(self, field: str, pos: int) -> Node:
        open_ = self.take()
        low = self.take()
        to = self.take()
        high = self.take()
        close = self.take()
        if low.kind != "WORD" or high.kind != "WORD" or to.kind != "WORD" or to.text.upper() != "TO":
            raise LogQueryError("a range is written [low TO high], e.g. status:[500 TO 599]", open_.pos)
        if close.kind not in ("RBRACK", "RBRACE"):
            raise LogQueryError("this range is never closed; end it with ']' or '}'", open_.pos)
        return Range(
            field,
            None if low.text == "*" else low.text,
            None if high.text == "*" else high.text,
            open_.kind == "LBRACK",
            close.kind == "RBRACK",
            pos,
        )


def parse(query: str) -> Node:
    """Parse a query; raise `LogQueryError` with the 1-based position of the problem."""
    if len(query) > MAX_QUERY_LENGTH:
        raise LogQueryError(f"the query is longer than {MAX_QUERY_LENGTH} characters", MAX_QUERY_LENGTH + 1)
    try:
        return _Parser(query).parse()
    except RecursionError:
        # Deep nesting like "((((…" must be a clear error, not a crash.
        raise LogQueryError("the query is nested too deeply", 1) from None


# --- evaluation -----------------------------------------------------------------------------


def _fields_of(node: Node) -> list[tuple[str, int]]:
    if isinstance(node, (Term, Range)):
        return [(node.field, node.pos)] if node.field else []
    if isinstance(node, Exists):
        return [(node.field, node.pos)]
    if isinstance(node, Not):
        return _fields_of(node.item)
    if isinstance(node, (And, Or)):
        return [f for item in node.items for f in _fields_of(item)]
    return []


def _wildcard_regex(text: str, within_word: bool) -> str:
    any_char = r"\S" if within_word else "."
    out = []
    for ch in text:
        if ch == "*":
            out.append(any_char + "*")
        elif ch == "?":
            out.append(any_char)
        else:
            out.append(re.escape(ch))
    return "".join(out)


# A word character in Unicode, spelled for RE2 (whose `\w` is ASCII only, unlike Python's).
_WORD_CHAR = r"[\pL\pN_]"


def _text_pattern(term: Term) -> str:
    """A regex finding the term as whole word(s) in free text (RE2 syntax, so no lookaround)."""
    if term.phrase:
        body = r"\s+".join(re.escape(w) for w in term.text.split())
    elif term.wildcard:
        body = _wildcard_regex(term.text, within_word=True)
    else:
        body = re.escape(term.text)
    not_word = _WORD_CHAR.replace("[", "[^", 1)
    return rf"(?:^|{not_word})(?:{body})(?:$|{not_word})"


def _re2_options():
    options = re2.Options()
    options.case_sensitive = False
    options.log_errors = False
    return options


_RE2_OPTIONS = _re2_options()


def _re2_test(values: pd.Series, pattern: str, whole: bool) -> np.ndarray:
    """Whether each value contains (or, with `whole`, is) a match; each distinct value once."""
    compiled = re2.compile(f"^(?:{pattern})$" if whole else pattern, options=_RE2_OPTIONS)
    codes, distinct = pd.factorize(values)
    hits = np.fromiter((compiled.search(v) is not None for v in distinct), bool, count=len(distinct))
    return hits[codes]


def _keyword_pattern(term: Term) -> str:
    if term.wildcard:
        return _wildcard_regex(term.text, within_word=False)
    return re.escape(term.text)


class _Evaluator:
    def __init__(self, frame: pd.DataFrame):
        self.frame = frame
        self.n = len(frame)
        self.columns = [c for c in frame.columns if c in SEARCHABLE_FIXED or _is_field_column(c)]
        self._str_cache: dict[str, pd.Series] = {}

    def text(self, column: str) -> pd.Series:
        if column not in self._str_cache:
            col = self.frame[column]
            self._str_cache[column] = col.where(col.notna(), "").astype(str)
        return self._str_cache[column]

    def match_term(self, column: str, term: Term) -> np.ndarray:
        values = self.text(column)
        if column in TEXT_FIELDS:
            return _re2_test(values, _text_pattern(term), whole=False)
        if term.phrase or not term.wildcard:
            return (values.str.lower() == term.text.lower()).to_numpy() & (values != "").to_numpy()
        return _re2_test(values, _keyword_pattern(term), whole=True) & (values != "").to_numpy()

    def run(self, node: Node) -> np.ndarray:
        if isinstance(node, MatchAll):
            return np.ones(self.n, bool)
        if isinstance(node, Term):
            if node.field is not None:
                return self.match_term(node.field, node)
            out = np.zeros(self.n, bool)
            for c in self.columns:
                out |= self.match_term(c, node)
            return out
        if isinstance(node, Exists):
            col = self.frame[node.field]
            return (col.notna() & (col.astype(str) != "")).to_numpy()
        if isinstance(node, Range):
            return self.match_range(node)
        if isinstance(node, Not):
            return ~self.run(node.item)
        if isinstance(node, And):
            out = np.ones(self.n, bool)
            for item in node.items:
                out &= self.run(item)
            return out
        if isinstance(node, Or):
            out = np.zeros(self.n, bool)
            for item in node.items:
                out |= self.run(item)
            return out
        raise TypeError(node)  # pragma: no cover

    def match_range(self, r: Range) -> np.ndarray:
        col = self.frame[r.field]
        present = col.notna().to_numpy().copy()
        bounds = [b for b in (r.low, r.high) if b is not None]
        numeric = all(_is_number(b) for b in bounds)
        if numeric:
            values = pd.to_numeric(col, errors="coerce").to_numpy(dtype=float)
            present &= ~np.isnan(values)
            low = float(r.low) if r.low is not None else None
            high = float(r.high) if r.high is not None else None
        else:
            values = col.where(col.notna(), "").astype(str).to_numpy()
            low, high = r.low, r.high  # type: ignore[assignment]  # text columns compare as text
        out = present.copy()
        with np.errstate(invalid="ignore"):
            if low is not None:
                out &= (values >= low) if r.include_low else (values > low)
            if high is not None:
                out &= (values <= high) if r.include_high else (values < high)
        return out


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _is_field_column(name: str) -> bool:
    return name not in ("time", "offset") and not name.startswith("_")


@dataclass(frozen=True)
class SearchResult:
    """Matching lines (newest first, at most `limit`), how many matched, and matches per bucket."""

    rows: pd.DataFrame
    total: int
    histogram: pd.DataFrame  # columns: time (bucket start, UTC), count
    interval: float  # bucket width in seconds


def search(
    frame: pd.DataFrame,
    query: str,
    start: float | datetime | None = None,
    end: float | datetime | None = None,
    *,
    limit: int = 500,
) -> SearchResult:
    """Run `query` over the lines of `frame` between `start` and `end` (offsets in seconds from
    the scenario start, or datetimes; either may be None for open)."""
    node = parse(query)
    known = [c for c in frame.columns if c in SEARCHABLE_FIXED or _is_field_column(c)]
    for name, pos in _fields_of(node):
        if name not in known:
            raise LogQueryError(f"there is no field {name!r}; fields are: {', '.join(sorted(known))}", pos)
    in_range = np.ones(len(frame), bool)
    lo = _as_bound(frame, start)
    hi = _as_bound(frame, end)
    offsets = frame["offset"].to_numpy(dtype=float) if "offset" in frame else np.zeros(len(frame))
    if lo is not None:
        in_range &= offsets >= lo
    if hi is not None:
        in_range &= offsets <= hi
    window = frame.loc[in_range]
    mask = _Evaluator(window).run(node)
    hits = window.loc[mask]
    histogram, interval = _histogram(frame, hits, lo, hi)
    rows = hits.iloc[::-1].head(limit).reset_index(drop=True)
    return SearchResult(rows=rows, total=int(mask.sum()), histogram=histogram, interval=interval)


def _as_bound(frame: pd.DataFrame, value: float | datetime | None) -> float | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        if len(frame) == 0:
            return 0.0
        # offset = (value - time of first line) + offset of first line
        first_time = pd.Timestamp(frame["time"].iloc[0])
        return float(frame["offset"].iloc[0]) + (pd.Timestamp(value) - first_time).total_seconds()
    return float(value)


def _nice_interval(span: float, buckets: int = 60) -> float:
    for step in _NICE_INTERVALS:
        if span / step <= buckets:
            return float(step)
    return float(_NICE_INTERVALS[-1])


def _histogram(
    frame: pd.DataFrame, hits: pd.DataFrame, lo: float | None, hi: float | None
) -> tuple[pd.DataFrame, float]:
    if len(frame) == 0:
        return pd.DataFrame({"time": pd.Series([], dtype="datetime64[ns, UTC]"), "count": []}), 60.0
    offsets = frame["offset"].to_numpy(dtype=float)
    lo = float(offsets.min()) if lo is None else lo
    hi = float(offsets.max()) if hi is None else hi
    hi = max(hi, lo + 1.0)
    interval = _nice_interval(hi - lo)
    first = np.floor(lo / interval) * interval
    edges = np.arange(first, hi + interval, interval)
    counts, _ = np.histogram(hits["offset"].to_numpy(dtype=float), bins=edges)
    t0 = pd.Timestamp(frame["time"].iloc[0]) - pd.Timedelta(seconds=float(offsets[0]))
    times = t0 + pd.to_timedelta(edges[:-1], unit="s")
    return pd.DataFrame({"time": times, "count": counts.astype(int)}), interval


DEFAULT_WINDOW = 900.0  # seconds: the log console opens on "Last 15 minutes", as Kibana does


def example_queries(frame: pd.DataFrame, service: str, start: float, end: float) -> list[str]:
    """Queries to show as examples on the log console, each built from lines that are in `frame`
    between `start` and `end`, so every one returns hits when tried: the errors of `service`
    (or its warnings on a quiet day), a phrase from a real warning or error, a tenant prefix
    with a wildcard, a status range that occurs, and a NOT."""
    offsets = frame["offset"].to_numpy(dtype=float)
    seen = frame.loc[(offsets >= start) & (offsets <= end)]
    out: list[str] = []
    levels = set(seen.loc[seen["service"] == service, "level"])
    level = next((lv for lv in ("ERROR", "WARN", "INFO") if lv in levels), None)
    if level:
        out.append(f"level:{level} AND service:{_quoted(service)}")
    notable = seen.loc[seen["level"].isin(["ERROR", "WARN"]), "message"]
    for message in notable.value_counts().index:
        words = re.findall(r"[A-Za-z]{3,}", str(message))
        if len(words) >= 2:
            phrase = " ".join(words[:2])
            if search(seen, f'"{phrase}"').total:
                out.append(f'"{phrase}"')
                break
    if "tenant" in seen:
        tenants = seen["tenant"].dropna()
        tenant = str(tenants.iloc[0]) if len(tenants) else ""
        if len(tenant) >= 3 and re.fullmatch(r"[A-Za-z0-9_-]+", tenant):
            out.append(f"tenant:{tenant[:3]}*")
    if "status" in seen:
        codes = pd.to_numeric(seen["status"], errors="coerce").dropna()
        for low in (500, 400, 200):
            if ((codes >= low) & (codes <= low + 99)).any():
                out.append(f"status:[{low} TO {low + 99}]")
                break
    others = sorted(set(seen["service"]) - {service})
    if others:
        out.append(f"NOT service:{_quoted(others[0])}")
    return out


def _quoted(value: str) -> str:
    return value if re.fullmatch(r"[A-Za-z0-9_.-]+", value) else '"' + value.replace('"', '\\"') + '"'
