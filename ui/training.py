"""Shared pieces of the curriculum pages: the programme, recording evidence, quizzes, results.

Owns the few Streamlit helpers every module page repeats (render a quiz, show a graded result,
record it as evidence for the signed-in trainee, a per-attempt seed). Grading lives in
`simulator.exercises`; storage in `simulator.store.curriculum`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

import pandas as pd
import streamlit as st
from streamlit.errors import StreamlitAPIException

from simulator.curriculum import Curriculum, EvidenceRecord, compute_progress, load_curriculum
from simulator.exercises import ExerciseResult, Question, item_label
from simulator.spoilers import shuffled
from simulator.store import curriculum as store_cur
from ui.clock import now
from ui.navigation import programme_day
from ui.services import get_store


@st.cache_data(show_spinner=False, max_entries=4)
def curriculum() -> Curriculum:
    return load_curriculum()


def programme_heading(page: str, name: str) -> str:
    """A programme page's heading, e.g. "Day 4 — Incident response": the page is named by the
    skill it trains, and the day it is taught comes from the curriculum file."""
    day = programme_day(page)  # the same lookup as the menu's, so the two always agree
    return name if day is None else f"Day {day} — {name}"


def attempt_seed(username: str, exercise_id: str) -> int:
    """A seed per trainee, exercise and attempt number: a new attempt gives new material."""
    n = st.session_state.setdefault(f"attempt_no::{exercise_id}", 0)
    digest = hashlib.sha256(f"{username}:{exercise_id}:{n}".encode()).digest()
    return int.from_bytes(digest[:4], "big")


def new_attempt(exercise_id: str) -> None:
    st.session_state[f"attempt_no::{exercise_id}"] = st.session_state.get(f"attempt_no::{exercise_id}", 0) + 1


def record(username: str, record: EvidenceRecord) -> None:
    store_cur.record_evidence(get_store(), username, record)


def record_result(username: str, result: ExerciseResult) -> None:
    record(username, result.evidence(now()))


def my_progress(username: str):
    return compute_progress(curriculum(), store_cur.all_evidence(get_store(), username))


def status_badge(username: str, exercise_id: str) -> None:
    p = my_progress(username).exercise(exercise_id)
    best = f" · best {p.best_score:.0%}" if p.best_score is not None else ""
    if p.passed:
        st.success(f"Passed{best} (pass mark {p.pass_mark:.0%})", icon=":material/check_circle:")
    elif p.attempts:
        st.info(f"{p.attempts} attempt(s){best}; pass mark {p.pass_mark:.0%}", icon=":material/pending:")
    else:
        st.caption(f"Not attempted yet · pass mark {p.pass_mark:.0%}")


def quiz(questions: Sequence[Question], key: str, seed: int | None = None) -> dict[str, Any] | None:
    """Render questions in one form; return the answers when submitted (None before).

    Nothing is preselected, and each question's options come in an order fixed by `seed` (the
    attempt's; default: the form key), so neither a default nor the position of the right
    answer (often the question's own index in the material) gives it away. Answers are the
    option texts, which grading matches whatever the order."""
    order = seed if seed is not None else int.from_bytes(hashlib.sha256(key.encode()).digest()[:4], "big")
    with st.form(key):
        answers: dict[str, Any] = {}
        for n, q in enumerate(questions, 1):
            if q.numeric:
                answers[q.id] = st.number_input(
                    f"{n}. {q.prompt}", value=None, format="%.4f", key=f"{key}.{q.id}"
                )
            elif _is_hour_of_day(q.options):
                # Choosing one of 24 hours is a time picker's job, not a 24-button radio list.
                picked = st.time_input(f"{n}. {q.prompt}", value=None, step=3600, key=f"{key}.{q.id}")
                answers[q.id] = None if picked is None else f"{picked.hour:02d}:00"
            else:
                answers[q.id] = st.radio(
                    f"{n}. {q.prompt}", shuffled(q.options, order, q.id), index=None, key=f"{key}.{q.id}"
                )
        submitted = st.form_submit_button("Submit answers", type="primary")
    return answers if submitted else None


def _is_hour_of_day(options: Sequence[str]) -> bool:
    return len(options) == 24 and list(options) == [f"{h:02d}:00" for h in range(24)]


def show_result(result: ExerciseResult) -> None:
    if result.passed:
        st.success(f"Passed: {result.score:.0%} (pass mark {result.pass_mark:.0%}). Recorded as evidence.")
    else:
        reasons = "; ".join(result.extra_failures)
        st.error(
            f"Not passed: {result.score:.0%} (pass mark {result.pass_mark:.0%})"
            + (f" — {reasons}" if reasons else "")
            + ". Recorded; try again."
        )
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "item": item_label(i),
                    "correct": "✔" if i.correct else "✘",
                    "credit": i.credit,
                    "feedback": i.feedback,
                }
                for i in result.items
            ]
        ),
        hide_index=True,
    )


def grade_and_record(username: str, result: ExerciseResult, state_key: str) -> None:
    """Record once per submission and keep the result on screen across reruns."""
    record_result(username, result)
    st.session_state[state_key] = result


def last_result(state_key: str) -> ExerciseResult | None:
    return st.session_state.get(state_key)


def page_link(
    path: str,
    label: str,
    role: str,
    icon: str = ":material/arrow_forward:",
    query_params: dict[str, str] | None = None,
) -> None:
    """Link to a page only when it is in this role's menu (a link to a missing page is an error)."""
    from ui.navigation import pages_for

    if path not in {p.path for p in pages_for(role)}:
        return
    try:
        st.page_link(path, label=label, icon=icon, query_params=query_params)
    except StreamlitAPIException:
        # Outside the app's navigation (a page run on its own, e.g. under AppTest) there is no
        # page registry to link into; name the page instead.
        st.caption(f"→ {label} (menu: {path})")


def known_people(store) -> list[str]:
    """Usernames to show trainers: every trainee account plus anyone with training records."""
    from simulator.store import people

    names = set(store_cur.usernames_with_evidence(store))
    names |= {p.username for p in people.list_users(store, role="trainee") if p.active}
    return sorted(names)


def audit(store, actor: str, action: str, target: str, detail: str) -> None:
    """Record a trainer's decision in the audit log."""
    from simulator.store import audit as store_audit

    store_audit.record_audit(store, actor, action, target, detail, at=now())
