"""Every free-text field of an action is capped, in the model and on the Drill page (issue 16.6):
a 20 MB incident title was once stored."""

from __future__ import annotations

import typing

import pytest
from annotated_types import MaxLen
from pydantic import ValidationError

from simulator import actions as A
from simulator.yamlio import FormatError
from tests.helpers import app_test, each_action_tab
from tests.pages.test_page_drill import _start_for

MODELS = typing.get_args(typing.get_args(A.Action)[0])


def _is_text(annotation: object) -> bool:
    return annotation is str or str in typing.get_args(annotation)


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_every_text_field_of_every_action_has_a_length_cap(model):
    for name, field in model.model_fields.items():
        if name == "action" or not _is_text(field.annotation):
            continue
        caps = [m.max_length for m in field.metadata if isinstance(m, MaxLen)]
        assert caps and caps[0] <= 100_000, f"{model.__name__}.{name} has no length cap"


def test_a_twenty_megabyte_incident_title_is_refused_with_the_limit_named():
    with pytest.raises(ValidationError, match="at most 200 characters"):
        A.Declare(action="declare", title="x" * 20_000_000)


def test_a_responses_file_with_an_overlong_field_names_its_line_and_the_limit():
    text = (
        "scenario: db-pool-exhaustion\nactions:\n  - at: 1m\n    action: declare\n    title: "
        + "x" * 500
        + "\n"
    )
    with pytest.raises(FormatError) as caught:
        A.load_responses(text, "long.responses.yaml")
    message = str(caught.value)
    assert message.startswith("long.responses.yaml:3:") and "at most 200 characters" in message


def test_every_text_box_on_the_drill_page_has_a_character_limit():
    aid = _start_for("trainee1")
    at = app_test("pages/drill.py", role="trainee", query_params={"attempt": str(aid)}, timeout=60)
    at.run()
    boxes = []
    for _tab in each_action_tab(at, aid):  # only the open tab is drawn
        assert not at.exception
        boxes += [*at.text_input, *at.text_area]
    assert len(boxes) >= 10
    unlimited = [b.label for b in boxes if not b.proto.max_chars]
    assert unlimited == [], unlimited
