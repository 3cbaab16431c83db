"""The scenario studio's editor: the text being edited (session state, kept as a draft per
trainer), the code editor (streamlit-code-editor: line numbers, YAML colours, each problem marked
in the margin with a "Go to line" button), the plain text editor switch for screen readers and
keyboard-only use, and the problem list under it.

What counts as a problem is `simulator.studio`; where new text comes from is `ui.studio_sources`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import streamlit as st
from code_editor import code_editor

from simulator.services import catalogue
from simulator.services.database import Store
from simulator.studio import TextCheck, located_problems, problem_lines, problem_listing, starting_template
from simulator.studio import templates as template_files
from ui.services import SCENARIO_DIR

DRAFT_KEY = "editor"  # the studio's draft slot in the catalogue
SOURCE = "studio_source"  # the scenario text, whichever editor shows it
ORIGIN = "studio_origin"  # where that text came from, shown above the editor
TEXT = "studio_text"  # the plain text editor's widget
PLAIN = "studio_plain_editor"  # the switch between the code editor and the plain one
CODE = "studio_code"  # the code editor component
# The component keeps its own text once mounted and ignores a new `code` argument, so text put in
# from outside (a template, a saved version) mounts a fresh editor under a new key.
CODE_EDITION = "studio_code_edition"
CODE_SEEN = "studio_code_seen"  # id of the last code-editor answer already taken
MAX_JUMP_BUTTONS = 6  # more would cover the text; the list under the editor names every problem
EDITOR_CSS = (
    ".fd-error-line{position:absolute;background:rgba(255,75,75,.22);}"
    ".fd-warning-line{position:absolute;background:rgba(255,190,0,.22);}"
)


def set_text(text: str, origin: str) -> None:
    """Put text in the editor (called from callbacks, before the editor widget is drawn)."""
    st.session_state[SOURCE] = text
    st.session_state[TEXT] = text
    st.session_state[ORIGIN] = origin
    st.session_state[CODE_EDITION] = st.session_state.get(CODE_EDITION, 0) + 1


def open_text(store: Store, username: str) -> str:
    """The text being edited: on a session's first visit the trainer's draft, else the starting
    template."""
    if SOURCE not in st.session_state:
        draft = catalogue.get_draft(store, username, DRAFT_KEY)
        if draft:
            set_text(draft, "your unsaved draft")
        else:
            first = starting_template(template_files(SCENARIO_DIR))
            set_text(first.read_text(encoding="utf-8") if first else "", "the minimal template")
    return str(st.session_state[SOURCE])


def keep_draft(store: Store, username: str, text: str, now: Callable[[], datetime]) -> None:
    """Save the text as the trainer's draft when it differs from the stored one."""
    if text != catalogue.get_draft(store, username, DRAFT_KEY):
        catalogue.save_draft(store, username, DRAFT_KEY, text, now())


def render_editor(text: str, check: TextCheck) -> None:
    """The plain text box or the code editor; an edit reruns the page with the new text."""
    plain = st.toggle(
        "Plain text editor",
        key=PLAIN,
        help="A simple text box for screen readers and keyboard-only editing: no line numbers or colours.",
    )
    if plain:
        st.session_state[TEXT] = text
        st.text_area(
            "Scenario YAML",
            key=TEXT,
            height=620,
            on_change=_take_plain_text,
            help="Edit, then click outside the editor (or press Ctrl+Enter) to check it.",
        )
        return
    st.caption(
        "Scenario YAML · press Ctrl+Enter, click **Check** or click outside the editor to check it. "
        "Problems are marked in the margin (hover for the message); **Go to line** moves the cursor there."
    )
    edited = _code_editor_text(
        code_editor(
            text,
            lang="yaml",
            key=f"{CODE}_{st.session_state.get(CODE_EDITION, 0)}",
            height="620px",
            options={
                "showLineNumbers": True,
                "tabSize": 2,
                "useSoftTabs": True,
                "displayIndentGuides": True,
                # No soft wrap: with it this Ace build draws the line numbers out of step
                # with wrapped lines, so a marked problem would sit beside the wrong number.
                "wrap": False,
                # Ace's own YAML worker lints in the background and replaces the annotations
                # with its findings (none, for YAML that parses) whenever it finishes, which
                # erased the problem marks at random; the checks here are the only linter.
                "useWorker": False,
            },
            props=_margin_marks(check),
            buttons=_jump_buttons(check),
            component_props={"css": EDITOR_CSS},
            response_mode=["blur"],
        )
    )
    if edited is not None and edited != text:
        st.session_state[SOURCE] = edited
        st.rerun()


def render_problems(check: TextCheck) -> None:
    """Valid (with the scenario's id and hash) or every problem, then the notes, in words."""
    if check.loaded is not None:
        sc = check.loaded.scenario
        st.success(
            f"Valid: {sc.title} ({sc.id}) · {check.loaded.content_hash}", icon=":material/check_circle:"
        )
    else:
        st.error(f"{len(check.problems)} problem(s) to fix", icon=":material/error:")
        st.code(problem_listing(check.problems), language=None)
    if check.notes:
        st.warning(f"{len(check.notes)} note(s) worth a look", icon=":material/warning:")
        st.code(problem_listing(check.notes), language=None)


def _take_plain_text() -> None:
    st.session_state[SOURCE] = st.session_state[TEXT]


def _margin_marks(check: TextCheck) -> dict[str, Any]:
    """Ace annotations (margin icons with the message) and line highlights for every problem."""
    located = located_problems(check)
    return {
        # The component hands Ace's edits to its own state 250 ms late by default. When the
        # check came back sooner (Ctrl+Enter right after typing, quiet server), the redraw with
        # the new marks put that state's older text back into the editor, and leaving the
        # editor then sent the old text: the trainer's last keystrokes were lost.
        "debounceChangePeriod": 0,
        "annotations": [
            {"row": p.line - 1, "column": (p.column or 1) - 1, "type": kind, "text": p.message}
            for p, kind in located
        ],
        "markers": [
            {
                "startRow": p.line - 1,
                "startCol": 0,
                "endRow": p.line - 1,
                "endCol": 1,
                "className": f"fd-{kind}-line",
                "type": "fullLine",
            }
            for p, kind in located
        ],
    }


def _jump_buttons(check: TextCheck) -> list[dict[str, Any]]:
    """One "Go to line N" button per problem line, stacked at the editor's top right, plus "Check"
    (the same as Ctrl+Enter) at its bottom right. Ace's `gotoline` moves the cursor and opens its
    line prompt (Enter or Esc closes it)."""
    buttons: list[dict[str, Any]] = [
        {
            "name": f"Go to line {line}",
            "hasText": True,
            "alwaysOn": True,
            "commands": [["gotoline", line]],
            "style": {"top": f"{0.3 + 2.0 * i}rem", "right": "0.6rem"},
        }
        for i, line in enumerate(problem_lines(check, MAX_JUMP_BUTTONS))
    ]
    buttons.append(
        {
            "name": "Check (Ctrl+Enter)",
            "hasText": True,
            "alwaysOn": True,
            "primary": True,
            "commands": ["submit"],
            "style": {"bottom": "0.4rem", "right": "0.6rem"},
        }
    )
    return buttons


def _code_editor_text(answer: object) -> str | None:
    """The code editor's text if it sent something new (on Ctrl+Enter, "Check" or leaving it).

    The component repeats its last answer on every rerun; an answer is taken once, so loading a
    template afterwards is not overwritten by the old text."""
    if (
        not isinstance(answer, dict)
        or not answer.get("id")
        or answer.get("id") == st.session_state.get(CODE_SEEN)
    ):
        return None
    st.session_state[CODE_SEEN] = answer["id"]
    return str(answer.get("text", "")) if answer.get("type") in ("submit", "blur") else None
