"""From a pasted postmortem to a scenario skeleton: timelines read robustly, the source cited."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from simulator.cli import main as cli_main
from simulator.postmortem import parse_timeline, read_postmortem, scenario_from_postmortem, slug
from simulator.scenario import parse_scenario

DAY = date(2026, 3, 10)

GITLAB = """# Postmortem of database outage of January 31
https://about.gitlab.com/blog/2017/02/10/postmortem-of-database-outage-of-january-31/
On January 31st 2017 we lost six hours of database data on GitLab.com.

## Timeline
2017-01-31 17:20 UTC: an engineer takes an LVM snapshot of the production database
2017-01-31 19:00 UTC - database load increases due to spam
  Users report they cannot post comments.
21:00 UTC: replication lag alerts fire
23:00 - 23:27 team-member-1 removes the data directory on the wrong host (db1)
- 23:30 UTC — the team realises the mistake
[00:20] restore from the staging copy begins
"""


@pytest.mark.parametrize(
    "line, hms, text",
    [
        ("14:20 - Alert fired", (14, 20, 0), "Alert fired"),
        ("14:20 UTC: On-call acknowledged", (14, 20, 0), "On-call acknowledged"),
        ("2026-03-10 14:20 Query volume spiked", (14, 20, 0), "Query volume spiked"),
        ("2026-03-10T14:20:05Z rollback started", (14, 20, 5), "rollback started"),
        ("- **14:25 UTC** — engineers join the bridge", (14, 25, 0), "engineers join the bridge"),
        ("[2:05 PM] status page updated", (14, 5, 0), "status page updated"),
        ("* 09:07 GMT | deploy completed", (9, 7, 0), "deploy completed"),
        ("March 10, 2026 14:30 — resolved", (14, 30, 0), "resolved"),
    ],
)
def test_the_usual_timeline_line_shapes_are_read(line, hms, text):
    entries, skipped = parse_timeline(line, DAY)
    assert not skipped and len(entries) == 1
    assert entries[0].when.timetuple()[3:6] == hms
    assert entries[0].text == text


def test_a_date_on_a_line_sets_the_day_for_the_lines_after_it():
    entries, _ = parse_timeline("2026-07-02 13:42 WAF rule deployed\n13:45 CPU at 100% everywhere", DAY)
    assert [e.when for e in entries] == [
        datetime(2026, 7, 2, 13, 42, tzinfo=UTC),
        datetime(2026, 7, 2, 13, 45, tzinfo=UTC),
    ]


def test_times_that_go_backwards_roll_over_to_the_next_day():
    entries, _ = parse_timeline("23:50 first\n00:10 after midnight", DAY)
    assert entries[1].when == datetime(2026, 3, 11, 0, 10, tzinfo=UTC)


def test_a_line_without_a_time_continues_the_entry_above():
    entries, _ = parse_timeline("14:20 - database load rises\n   users report errors\n14:30 - fixed", DAY)
    assert entries[0].text == "database load rises users report errors"
    assert len(entries) == 2


def test_impossible_times_are_not_taken_as_entries():
    entries, skipped = parse_timeline("25:99 - nonsense\n13:00 PM - also nonsense\n14:00 real", DAY)
    assert [e.text for e in entries] == ["real"]
    assert skipped == [1, 2]


def test_a_range_keeps_its_start_and_drops_the_end_from_the_text():
    entries, _ = parse_timeline("23:00 - 23:27 data directory removed on db1", DAY)
    assert entries[0].when.hour == 23 and entries[0].text == "data directory removed on db1"


def test_title_summary_and_url_are_read_from_the_text_before_the_timeline():
    pm = read_postmortem(GITLAB)
    assert pm.title == "Postmortem of database outage of January 31"
    assert pm.summary.startswith("On January 31st 2017")
    assert pm.url == "https://about.gitlab.com/blog/2017/02/10/postmortem-of-database-outage-of-january-31/"
    assert len(pm.entries) == 6
    assert pm.entries[-1].when == datetime(2017, 2, 1, 0, 20, tzinfo=UTC)
    assert pm.entries[0].line == 6  # lines count in the pasted text, for pointing the trainer at them


def test_the_skeleton_validates_as_written_with_the_timeline_as_injects_and_the_source_cited():
    text, pm = scenario_from_postmortem(GITLAB, scenario_id="gitlab-2017")
    loaded = parse_scenario(text, "skeleton.yaml")
    sc = loaded.scenario
    assert sc.id == "gitlab-2017"
    assert sc.source.url == pm.url and "Postmortem of database outage" in sc.source.title
    assert sc.clock.start == datetime(2017, 1, 31, 17, 15, tzinfo=UTC)
    assert [i.at for i in sc.injects][:2] == [300.0, 300.0 + 100 * 60]
    assert sc.injects[2].text == "21:00 UTC: replication lag alerts fire"
    assert sc.injects[2].kind == "page"
    assert "TODO" in text


def test_text_with_yaml_special_characters_stays_text():
    pm_text = 'Outage: "quotes" & {braces}\n14:00 - key: value # not a comment\n14:05 - *star* [list] !tag'
    text, _ = scenario_from_postmortem(pm_text)
    sc = parse_scenario(text, "s.yaml").scenario
    assert sc.injects[0].text.endswith("key: value # not a comment")
    assert sc.injects[1].text.endswith("*star* [list] !tag")


def test_a_postmortem_without_a_timeline_still_gives_a_valid_skeleton():
    text, pm = scenario_from_postmortem("Our big outage\nIt was bad.")
    assert pm.entries == ()
    assert parse_scenario(text, "s.yaml").scenario.injects == []


def test_ids_are_slugs_that_cannot_name_a_path():
    assert slug("../../etc/passwd Outage!") == "etc-passwd-outage"
    with pytest.raises(ValueError):
        scenario_from_postmortem("x\n14:00 a", scenario_id="../evil")


def test_the_command_writes_a_skeleton_and_refuses_to_overwrite(tmp_path, capsys):
    src = tmp_path / "pm.md"
    src.write_text(GITLAB)
    out = tmp_path / "gitlab.yaml"
    assert cli_main(["from-postmortem", str(src), "-o", str(out), "--id", "gitlab-2017"]) == 0
    assert parse_scenario(out.read_text(), str(out)).scenario.id == "gitlab-2017"
    assert cli_main(["from-postmortem", str(src), "-o", str(out)]) == 2
    assert "exists" in capsys.readouterr().err
