"""A quiz exercise on a curriculum page: how the trainee stands on it, the questions in one form,
grading and recording the answers as evidence when submitted, and the last result on screen.

Every quiz-shaped exercise of the programme (service map, error budget, dashboard reading, the
alert and severity quiz, false positives, escalation) is this one widget over its own questions.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from simulator.exercises import ExerciseResult, Question, grade_quiz
from ui.training import grade_and_record, last_result, quiz, show_result, status_badge

Grader = Callable[[Mapping[str, Any]], ExerciseResult]


def render_quiz_exercise(
    username: str,
    exercise_id: str,
    questions: Sequence[Question],
    *,
    form_key: str,
    result_key: str,
    grade: Grader | None = None,
    seed: int | None = None,
) -> ExerciseResult | None:
    """Render the exercise and return its last result (None before the first submission).

    `grade` turns the answers into a result (default: one point a question, the default pass
    mark); `seed` orders each question's options (see `ui.training.quiz`). The result stays in
    `st.session_state[result_key]` across reruns, so the page can show more once it is in."""
    status_badge(username, exercise_id)
    answers = quiz(questions, form_key, seed=seed)
    if answers is not None:
        result = grade(answers) if grade is not None else grade_quiz(exercise_id, questions, answers)
        grade_and_record(username, result, result_key)
    last = last_result(result_key)
    if last is not None:
        show_result(last)
    return last
