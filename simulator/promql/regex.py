"""Label-matcher regular expressions, compiled with RE2 the way Prometheus compiles them.

Owns turning a user-supplied `=~` / `!~` value into a matcher that runs in linear time. Python's
`re` backtracks, so a pattern like `(.*.*)*x` takes exponential time and would freeze the server
for every session; RE2 (the engine Prometheus and Alertmanager use, via the `google-re2` binding)
guarantees time linear in the input and refuses the same non-regular syntax Go refuses
(backreferences, lookaround, possessive quantifiers). Anchoring follows Prometheus: the value must
match the whole label value, and `.` matches a newline (`^(?s:value)$`).
"""

from __future__ import annotations

import functools
from typing import Any

import re2

# A label regex longer than this is a paste accident or an attack; real ones are a few dozen chars.
MAX_PATTERN_CHARS = 4096
# Each compiled RE2 program may use at most this much memory (its lazy DFA included), and the
# cache keeps at most `_CACHE_SIZE` of them, so a stream of distinct hostile patterns cannot grow
# memory without bound: worst case about 128 x 2 MiB.
_MAX_PROGRAM_BYTES = 2 << 20
_CACHE_SIZE = 128


class LabelRegexError(ValueError):
    """A label regex RE2 refuses; the message says why in RE2's words."""


def _options() -> Any:
    options = re2.Options()
    options.log_errors = False  # the error is reported to the user; RE2's own stderr log is noise
    options.max_mem = _MAX_PROGRAM_BYTES
    return options


@functools.lru_cache(maxsize=_CACHE_SIZE)
def compile_label_regex(pattern: str) -> Any:
    """The compiled, anchored RE2 program for `pattern`; raises `LabelRegexError` if RE2 refuses it."""
    if len(pattern) > MAX_PATTERN_CHARS:
        raise LabelRegexError(
            f"the regular expression is {len(pattern)} characters long; at most {MAX_PATTERN_CHARS} are allowed"
        )
    try:
        return re2.compile(f"^(?s:{pattern})$", options=_options())
    except re2.error as exc:
        reason = exc.args[0] if exc.args else "invalid"
        if isinstance(reason, bytes):
            reason = reason.decode("utf-8", "replace")
        raise LabelRegexError(f"{reason} (label regexes use RE2 syntax, as in Prometheus)") from None


def label_regex_matches(pattern: str, value: str) -> bool:
    """Whether `value` as a whole matches `pattern` (Prometheus `=~` semantics)."""
    return compile_label_regex(pattern).search(value) is not None
