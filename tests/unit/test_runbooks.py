"""Runbook exercises: the expert path passes, order matters, every trap fails the exercise."""

from __future__ import annotations

import pytest

from simulator import formats
from simulator.runbooks import (
    DEFAULT_DIR,
    expert_path,
    load_runbooks,
    perform,
    replay,
    score_run,
    start,
    validate_runbook_text,
)
from simulator.yamlio import FormatError
from tests.conftest import FIXTURES

# The shipped runbooks (data/runbooks), for the checks every runbook must pass.
SHIPPED = load_runbooks()
# Test-owned copies (tests/fixtures/runbooks): the checks of particular steps, credits and traps
# pin these, so a trainer's edit to data/runbooks moves none of them.
RUNBOOKS = load_runbooks(FIXTURES / "runbooks")


def test_every_runbook_the_curriculum_names_is_shipped_and_validates():
    from simulator.curriculum import load_curriculum

    assert SHIPPED and set(load_curriculum().runbook_ids()) <= set(SHIPPED)
    assert len(SHIPPED) == len(list(DEFAULT_DIR.glob("*.yaml")))  # one runbook per file
    for path in DEFAULT_DIR.glob("*.yaml"):
        assert formats.validate_file(path) == "runbook"


@pytest.mark.parametrize("rid", sorted(SHIPPED))
def test_following_the_runbook_in_order_scores_full_marks(rid):
    rb = SHIPPED[rid]
    result = score_run(rb, replay(rb, expert_path(rb)))
    assert result.passed and result.score == 1.0 and not result.traps


@pytest.mark.parametrize("rid", sorted(SHIPPED))
def test_skipping_the_last_verification_fails_the_exercise(rid):
    rb = SHIPPED[rid]
    last_verify = [s for s in rb.steps if s.verify][-1]
    path = [s.action for s in rb.steps if s is not last_verify]
    result = score_run(rb, replay(rb, path))
    assert not result.passed and any("verification" in r for r in result.reasons)


def test_restarting_before_the_drain_has_finished_is_credited_only_as_out_of_order():
    rb = RUNBOOKS["service_restart"]
    # deregister, restart at once (drain not confirmed: a trap), then confirm the drain.
    path = [
        "check_health",
        "read_logs",
        "deregister",
        "restart",
        "check_drained",
        "verify_instance",
        "register",
        "check_dashboard",
    ]
    result = score_run(rb, replay(rb, path))
    credits = {s.step.id: s.credit for s in result.steps}
    assert credits["restart"] == 0.5 and not result.passed


def test_verifying_data_before_promoting_does_nothing_and_earns_nothing():
    rb = RUNBOOKS["database_recovery"]
    run = perform(rb, start(rb), "verify_data")
    assert not run.log[-1].took_effect and "no promoted primary" in run.log[-1].output


def test_order_matters_taking_the_logs_after_the_restart_costs_credit():
    rb = RUNBOOKS["service_restart"]
    path = [
        "check_health",
        "deregister",
        "check_drained",
        "restart",
        "read_logs",
        "verify_instance",
        "register",
        "check_dashboard",
    ]
    result = score_run(rb, replay(rb, path))
    credits = {s.step.id: s.credit for s in result.steps}
    assert credits["logs"] == 1.0  # logs may come any time before the restart...
    assert credits["restart"] == 0.5  # ...but the restart came before them
    assert result.score < 1.0


TRAPS = [
    ("service_restart", ["check_health", "read_logs", "restart"], "still in the load balancer"),
    ("service_restart", ["check_health", "read_logs", "restart_all"], "took the whole API down"),
    (
        "service_restart",
        ["check_health", "read_logs", "deregister", "check_drained", "restart", "register"],
        "without checking it was healthy",
    ),
    ("database_recovery", ["describe_instances", "check_lag", "promote_replica_1"], "still accepting writes"),
    ("database_recovery", ["describe_instances", "maintenance_on", "promote_replica_2"], "data loss"),
    ("database_recovery", ["describe_instances", "maintenance_on", "restore_snapshot"], "last resort"),
    (
        "database_recovery",
        ["describe_instances", "maintenance_on", "check_lag", "promote_replica_1", "maintenance_off"],
        "failed primary",
    ),
    ("api_key_revocation", ["list_keys", "revoke_similar"], "Wrong key"),
    ("api_key_revocation", ["list_keys", "revoke_billing"], "Wrong key"),
    ("api_key_revocation", ["list_keys", "revoke_leaked", "paste_in_slack"], "Never share a credential"),
    ("rate_limit_tuning", ["top_clients", "inspect_patterns", "raise_scraper"], "abuse"),
    ("rate_limit_tuning", ["top_clients", "raise_global"], "abusive client"),
]


@pytest.mark.parametrize(("rid", "path", "message"), TRAPS, ids=[f"{t[0]}:{t[1][-1]}" for t in TRAPS])
def test_each_trap_is_reported_and_fails_the_exercise_even_if_the_rest_is_perfect(rid, path, message):
    rb = RUNBOOKS[rid]
    run = replay(rb, path, finished=False)
    assert message in (run.log[-1].trap or "")
    # Finish the runbook properly afterwards: the trap still fails it.
    for action in expert_path(rb):
        run = perform(rb, run, action)
    result = score_run(rb, run)
    assert result.traps and not result.passed


def test_a_bad_runbook_file_names_the_unknown_action():
    text = (
        (FIXTURES / "runbooks" / "service_restart.yaml")
        .read_text()
        .replace("action: check_dashboard", "action: look_around")
    )
    with pytest.raises(FormatError) as err:
        validate_runbook_text(text, "service_restart.yaml", None)
    assert "look_around" in str(err.value)
