"""The one escaper for user-supplied text shown through Streamlit Markdown.

Owns turning any text a person typed (display names, usernames, cohort names, scenario titles,
chat, report lines, audit details) into Markdown that renders as exactly that text: no links, no
remote images (a trainer's browser must never fetch a trainee's URL), no `:red[...]`-style
directives, emoji or icon shortcodes, no HTML, headings, lists, tables, block quotes or LaTeX.
Every page and helper that interpolates such text into `st.markdown`, `st.caption`, `st.info` …,
a subheader or a widget label uses `md_text` (one line) or `md_lines` (several).
"""

from __future__ import annotations

import re

# Every ASCII punctuation character may be backslash-escaped in CommonMark, and an escaped one is
# always literal; escaping them all is simpler and safer than knowing which ones matter where.
_PUNCTUATION = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
# U+2060 WORD JOINER: invisible, but it splits the character patterns Streamlit matches *after*
# Markdown escapes are resolved — emoji shortcodes (`:fire:`), bare-URL autolinks (`https://`,
# `www.`) and e-mail autolinks (`a@b.example`).
_JOINER = "\u2060"
_AFTER_JOINER = frozenset(":@")
_WWW = re.compile(r"(?i)\bwww(?=\.)")


def md_text(text: object) -> str:
    """`text` as Markdown that shows exactly those characters on one line (line breaks become spaces)."""
    raw = " ".join(str(text).split("\n")) if "\n" in str(text) else str(text)
    raw = _WWW.sub(lambda m: m.group(0) + _JOINER, raw)
    out: list[str] = []
    for ch in raw:
        if ch in _PUNCTUATION:
            out.append("\\" + ch)
            if ch in _AFTER_JOINER:
                out.append(_JOINER)
        elif ch in "\r\t":
            out.append(" ")
        else:
            out.append(ch)
    # Leading spaces would start an indented code block in a multi-line context; keep them literal.
    return "".join(out).replace("  ", " \u00a0")


def md_lines(text: object) -> str:
    """Several lines of `text` as Markdown, each line escaped like `md_text` and kept as its own
    line (a hard break), so a pasted report keeps its shape but none of its markup."""
    return "  \n".join(md_text(line) for line in str(text).splitlines())
