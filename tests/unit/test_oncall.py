"""The rotation with an injected clock: weekly handoff at Monday 00:00 UTC, the 2-hour overlap,
overrides, restricted hours (the solo-developer preset), and clear errors for bad team files."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from simulator import oncall
from simulator.cli import main
from simulator.yamlio import FormatError

TEAM_YAML = """
name: test team
people:
  - {id: ann, name: Ann, email: ann@example.com}
  - {id: bob, name: Bob, email: bob@example.com}
  - {id: cid, name: Cid, email: cid@example.com}
  - {id: dee, name: Dee, email: dee@example.com}
  - {id: mia, name: Mia, email: mia@example.com}
roles: {manager: mia, incident_commander: dee, security_lead: dee, smes: {database: cid}}
rotation:
  start: 2026-03-02T00:00:00Z
  turn_length: 1w
  engineers: [ann, bob, cid]
  overlap: 2h
  handoff_meeting: 15m
overrides:
  - {kind: vacation, person: bob, start: 2026-03-11T00:00:00Z, end: 2026-03-13T00:00:00Z, new_backup: dee}
  - {kind: swap, role: backup, person: mia, start: 2026-03-17T08:00:00Z, end: 2026-03-17T20:00:00Z}
"""


def team(text: str = TEAM_YAML) -> oncall.Team:
    return oncall.validate_team_text(text, "team.yaml")


def t(day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC)


def ids(now: oncall.OnCall) -> tuple[str | None, str | None, str | None]:
    return tuple(p.id if p else None for p in (now.primary, now.backup, now.outgoing_primary))  # type: ignore[return-value]


def test_primary_hands_over_at_monday_midnight_utc_and_backup_is_next_in_order():
    assert ids(oncall.on_call(team(), t(8, 23, 59))) == ("ann", "bob", None)
    assert ids(oncall.on_call(team(), t(9, 0, 0)))[:2] == ("bob", "cid")


def test_outgoing_primary_stays_on_call_for_the_first_two_hours_of_the_turn():
    assert ids(oncall.on_call(team(), t(9, 0, 0))) == ("bob", "cid", "ann")
    assert ids(oncall.on_call(team(), t(9, 1, 59))) == ("bob", "cid", "ann")
    after = oncall.on_call(team(), t(9, 2, 0))
    assert ids(after) == ("bob", "cid", None) and not after.in_overlap


def test_the_handoff_meeting_is_the_first_fifteen_minutes_of_a_turn():
    assert oncall.on_call(team(), t(9, 0, 14)).in_handoff_meeting
    assert not oncall.on_call(team(), t(9, 0, 15)).in_handoff_meeting


def test_rotation_wraps_around_and_times_in_other_zones_are_converted():
    from zoneinfo import ZoneInfo

    # Monday 00:30 in Berlin (UTC+1 in March) is still Sunday 23:30 UTC: the old turn.
    berlin = datetime(2026, 3, 23, 0, 30, tzinfo=ZoneInfo("Europe/Berlin"))
    assert ids(oncall.on_call(team(), berlin))[:2] == ("cid", "ann")
    assert ids(oncall.on_call(team(), t(23, 0, 0)))[:2] == ("ann", "bob")  # week 3 wraps to ann


def test_vacation_relief_promotes_the_backup_and_brings_in_a_new_backup():
    now = oncall.on_call(team(), t(11, 9))
    assert ids(now)[:2] == ("cid", "dee")
    assert now.overrides and "bob away" in now.overrides[0]
    assert ids(oncall.on_call(team(), t(13, 0)))[:2] == ("bob", "cid")  # back from vacation


def test_a_swap_override_replaces_only_its_role():
    assert ids(oncall.on_call(team(), t(17, 12)))[:2] == ("cid", "mia")
    assert ids(oncall.on_call(team(), t(17, 20)))[:2] == ("cid", "ann")


def test_role_holders_and_smes_are_reported():
    now = oncall.on_call(team(), t(10, 12))
    assert (now.manager.id, now.incident_commander.id, now.security_lead.id) == ("mia", "dee", "dee")
    assert now.smes["database"].id == "cid"


@pytest.mark.parametrize(
    ("change", "says"),
    [
        (("engineers: [ann, bob, cid]", "engineers: [ann, zed, cid]"), "unknown person 'zed'"),
        (("turn_length: 1w", "turn_length: 0s"), "zero-length turn"),
        (("start: 2026-03-17T08:00:00Z", "start: 2026-03-12T08:00:00Z"), "overlap"),
        (("end: 2026-03-13T00:00:00Z", "end: 2026-03-11T00:00:00Z"), "end must be after start"),
        (("engineers: [ann, bob, cid]", "engineers: [ann]"), "list `backups` explicitly"),
        (("security_lead: dee", "security_lead: nobody"), "roles.security_lead: unknown person 'nobody'"),
        (("overlap: 2h", "overlap: 2w"), "overlap must be shorter"),
    ],
)
def test_a_bad_team_file_fails_with_a_clear_message(change, says):
    old, new = change
    assert old in TEAM_YAML
    with pytest.raises(FormatError) as exc:
        team(TEAM_YAML.replace(old, new, 1))
    assert says in str(exc.value)


def test_overlapping_overrides_fail_firedrill_validate(tmp_path, capsys):
    path = tmp_path / "team.yaml"
    path.write_text(TEAM_YAML.replace("start: 2026-03-17T08:00:00Z", "start: 2026-03-12T08:00:00Z"))
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert "overrides[0] and overrides[1] overlap" in err and "team.yaml" in err


def test_solo_developer_preset_puts_the_contractor_on_nights_and_weekends():
    solo = oncall.load_team(oncall.SOLO_PRESET_PATH)
    tue_noon, tue_night, saturday = (
        oncall.on_call(solo, t(10, 12)),
        oncall.on_call(solo, t(10, 23)),
        oncall.on_call(solo, t(14, 12)),
    )
    assert ids(tue_noon)[:2] == ("you", None)
    assert ids(tue_night)[:2] == (None, "contractor")
    assert ids(saturday)[:2] == (None, "contractor")
    assert ids(oncall.on_call(solo, t(16, 5, 59)))[:2] == (None, "contractor")  # Monday before 06:00
    assert ids(oncall.on_call(solo, t(16, 6, 0)))[:2] == ("you", None)


def test_the_calendar_agrees_with_on_call_at_every_hour():
    tm = team()
    start, end = t(8), t(22)
    cal = oncall.shifts(tm, start, end)
    at = start
    while at < end:
        now = oncall.on_call(tm, at)
        live = {(s.role, s.person) for s in cal if s.start <= at < s.end}
        assert ("primary", now.primary.name) in live
        assert ("backup", now.backup.name) in live
        overlap = {person for role, person in live if role == "overlap"}
        assert overlap == ({now.outgoing_primary.name} if now.outgoing_primary else set())
        at += timedelta(minutes=30)


def test_the_calendar_marks_override_shifts():
    cal = oncall.shifts(team(), t(10), t(14))
    flagged = [s for s in cal if s.override]
    assert {(s.role, s.person, s.start, s.end) for s in flagged} == {
        ("primary", "Cid", t(11), t(13)),
        ("backup", "Dee", t(11), t(13)),
    }


def test_demo_team_generator_is_deterministic_and_the_committed_team_loads():
    assert oncall.generate_demo_team_yaml(7) == oncall.generate_demo_team_yaml(7)
    generated = oncall.validate_team_text(oncall.generate_demo_team_yaml(), "generated.yaml")
    assert len(generated.people) == 8
    # data/team.yaml is the trainer's to edit: it need only load and turn from a Monday.
    committed = oncall.load_team()
    assert committed.people and committed.rotation.start.weekday() == 0


def test_oncall_command_prints_who_holds_each_role(capsys):
    # Halfway through the handoff overlap at the start of the shipped team's second turn.
    committed = oncall.load_team()
    rotation = committed.rotation
    at = rotation.start + timedelta(seconds=rotation.turn_length + rotation.overlap / 2)
    assert main(["oncall", "--at", at.strftime("%Y-%m-%dT%H:%M:%SZ"), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    now = oncall.on_call(committed, at)
    assert now.primary is not None and now.outgoing_primary is not None
    assert data["primary"] == now.primary.name
    assert data["outgoing_primary"] == now.outgoing_primary.name
    assert data["in_overlap"] is True


def test_oncall_command_refuses_a_bad_time(capsys):
    assert main(["oncall", "--at", "next tuesday"]) == 2
    assert "ISO 8601" in capsys.readouterr().err
