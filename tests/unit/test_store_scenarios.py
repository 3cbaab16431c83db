"""Scenario storage: versions, content-hash references, soft delete, built-in originals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from simulator.scenario import content_hash, parse_scenario
from simulator.store import scenarios as repo
from simulator.yamlio import FormatError
from tests.conftest import FIXTURES

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
# The test-owned scenarios stand in for the built-in pack: the ids, difficulty and comments these
# tests edit and look for are theirs, so a trainer's edit to scenarios/ moves none of them.
SCENARIOS = FIXTURES / "scenarios"


def _seed_text(new_id: str = "my-pool-drill") -> str:
    return repo.with_new_id((SCENARIOS / "pool-exhaustion.yaml").read_text(), new_id)


def test_each_save_of_changed_text_is_a_new_version_and_old_versions_keep_their_text(tmp_store):
    v1 = repo.save_version(tmp_store, _seed_text(), "trainer", T0)
    edited = _seed_text().replace("difficulty: 3", "difficulty: 4")
    v2 = repo.save_version(tmp_store, edited, "trainer", T0 + timedelta(minutes=5))
    assert (v1.version, v2.version) == (1, 2)
    assert v1.content_hash != v2.content_hash
    assert [v.version for v in repo.versions(tmp_store, "my-pool-drill")] == [2, 1]
    assert repo.get_version(tmp_store, v1.content_hash).text == _seed_text()
    assert repo.latest_version(tmp_store, "my-pool-drill").text == edited


def test_saving_the_same_text_again_does_not_add_a_version(tmp_store):
    v1 = repo.save_version(tmp_store, _seed_text(), "trainer", T0)
    again = repo.save_version(tmp_store, _seed_text(), "trainer", T0 + timedelta(minutes=1))
    assert again.version == v1.version == 1
    assert len(repo.versions(tmp_store, "my-pool-drill")) == 1


def test_a_version_is_referenced_by_the_same_hash_the_loader_computes(tmp_store):
    text = _seed_text()
    v = repo.save_version(tmp_store, text, "trainer", T0)
    assert v.content_hash == content_hash(text) == parse_scenario(text, "x", SCENARIOS).content_hash


def test_an_invalid_scenario_is_not_saved_and_the_problem_has_a_line(tmp_store):
    bad = _seed_text().replace("difficulty: 3", "difficulty: 9")
    with pytest.raises(FormatError) as exc:
        repo.save_version(tmp_store, bad, "trainer", T0)
    assert any(p.field == "difficulty" and p.line for p in exc.value.problems)
    assert repo.get_scenario(tmp_store, "my-pool-drill") is None


def test_delete_needs_the_id_typed_as_confirmation(tmp_store):
    repo.save_version(tmp_store, _seed_text(), "trainer", T0)
    with pytest.raises(repo.ScenarioStoreError, match="confirm"):
        repo.delete_scenario(tmp_store, "my-pool-drill", "trainer", T0, confirm="yes")
    assert not repo.get_scenario(tmp_store, "my-pool-drill").deleted


def test_soft_delete_hides_the_scenario_but_an_attempts_version_stays_readable(tmp_store):
    v = repo.save_version(tmp_store, _seed_text(), "trainer", T0)
    attempt_ref = v.content_hash  # what a drill attempt stores
    repo.delete_scenario(
        tmp_store, "my-pool-drill", "trainer", T0 + timedelta(hours=1), confirm="my-pool-drill"
    )
    assert "my-pool-drill" not in [p.scenario_id for p in repo.list_playable(tmp_store)]
    assert "my-pool-drill" not in [s.id for s in repo.list_scenarios(tmp_store)]
    old = repo.get_version(tmp_store, attempt_ref)
    assert old is not None and parse_scenario(old.text, "old", SCENARIOS).scenario.id == "my-pool-drill"
    gone = repo.get_scenario(tmp_store, "my-pool-drill")
    assert gone.deleted and gone.deleted_by == "trainer"


def test_a_deleted_id_is_not_reused_by_a_new_save(tmp_store):
    repo.save_version(tmp_store, _seed_text(), "trainer", T0)
    repo.delete_scenario(tmp_store, "my-pool-drill", "trainer", T0, confirm="my-pool-drill")
    with pytest.raises(repo.ScenarioStoreError, match="deleted"):
        repo.save_version(tmp_store, _seed_text().replace("difficulty: 3", "difficulty: 2"), "trainer", T0)


def test_only_the_owner_or_an_admin_adds_versions_or_deletes(tmp_store):
    repo.save_version(tmp_store, _seed_text(), "trainer", T0)
    edited = _seed_text().replace("difficulty: 3", "difficulty: 2")
    with pytest.raises(repo.ScenarioStoreError, match="belongs to trainer"):
        repo.save_version(tmp_store, edited, "other-trainer", T0)
    with pytest.raises(repo.ScenarioStoreError, match="belongs to trainer"):
        repo.delete_scenario(tmp_store, "my-pool-drill", "other-trainer", T0, confirm="my-pool-drill")
    assert repo.save_version(tmp_store, edited, "admin", T0, is_admin=True).version == 2


def test_builtin_pack_is_loaded_as_read_only_originals(tmp_store):
    report = repo.sync_builtin(tmp_store, SCENARIOS, T0)
    assert "pool-exhaustion" in report.added and not report.invalid
    seed = repo.get_scenario(tmp_store, "pool-exhaustion")
    assert seed.read_only and seed.origin == "builtin"
    text = (SCENARIOS / "pool-exhaustion.yaml").read_text()
    with pytest.raises(repo.ScenarioStoreError, match="read-only"):
        repo.save_version(tmp_store, text.replace("difficulty: 3", "difficulty: 2"), "trainer", T0)
    with pytest.raises(repo.ScenarioStoreError, match="cannot be deleted"):
        repo.delete_scenario(
            tmp_store, "pool-exhaustion", "admin", T0, confirm="pool-exhaustion", is_admin=True
        )


def test_syncing_twice_adds_nothing_and_a_changed_file_becomes_a_new_version(tmp_store, tmp_path):
    folder = tmp_path / "pack"
    folder.mkdir()
    (folder / "pool-exhaustion.yaml").write_text((SCENARIOS / "pool-exhaustion.yaml").read_text())
    repo.sync_builtin(tmp_store, folder, T0)
    assert repo.sync_builtin(tmp_store, folder, T0).unchanged == ["pool-exhaustion"]
    old_hash = repo.get_scenario(tmp_store, "pool-exhaustion").latest_hash
    path = folder / "pool-exhaustion.yaml"
    path.write_text(path.read_text().replace("difficulty: 3", "difficulty: 4"))
    assert repo.sync_builtin(tmp_store, folder, T0).updated == ["pool-exhaustion"]
    assert repo.get_scenario(tmp_store, "pool-exhaustion").latest_version == 2
    assert repo.get_version(tmp_store, old_hash) is not None


def test_an_invalid_builtin_file_is_reported_not_loaded(tmp_store, tmp_path):
    (tmp_path / "broken.yaml").write_text("id: broken\ntitle: x\n")
    report = repo.sync_builtin(tmp_store, tmp_path, T0)
    assert report.invalid and report.invalid[0].startswith("broken.yaml")
    assert repo.list_scenarios(tmp_store) == []


def test_a_builtin_can_be_duplicated_under_a_new_id_owned_by_the_trainer(tmp_store):
    repo.sync_builtin(tmp_store, SCENARIOS, T0)
    original = repo.get_scenario(tmp_store, "pool-exhaustion")
    copy = repo.duplicate(tmp_store, original.latest_hash, "pool-drill-copy", "trainer", T0)
    assert copy.scenario_id == "pool-drill-copy" and copy.version == 1
    assert "# A test-owned copy of the pool-exhaustion incident" in copy.text  # comments survive the copy
    summary = repo.get_scenario(tmp_store, "pool-drill-copy")
    assert summary.owner == "trainer" and not summary.read_only
    with pytest.raises(repo.ScenarioStoreError, match="already exists"):
        repo.duplicate(tmp_store, original.latest_hash, "pool-drill-copy", "trainer", T0)


@pytest.mark.parametrize("bad", ["../etc/passwd", "a/b", "UPPER", "x", "-lead", "with space", "a" * 80])
def test_ids_that_could_escape_a_folder_are_refused(bad):
    with pytest.raises(repo.ScenarioStoreError):
        repo.export_filename(bad)
    with pytest.raises(repo.ScenarioStoreError):
        repo.with_new_id("id: ok-id\n", bad)


def test_playable_lists_builtins_and_authored_latest_versions(tmp_store):
    repo.sync_builtin(tmp_store, SCENARIOS, T0)
    repo.save_version(tmp_store, _seed_text(), "trainer", T0)
    edited = repo.save_version(
        tmp_store, _seed_text().replace("difficulty: 3", "difficulty: 2"), "trainer", T0
    )
    playable = {p.scenario_id: p for p in repo.list_playable(tmp_store)}
    assert "pool-exhaustion" in playable
    scenario_id, title, version_hash, text = playable["my-pool-drill"]
    assert (scenario_id, title, version_hash) == ("my-pool-drill", edited.title, edited.content_hash)
    assert parse_scenario(text, "p", SCENARIOS).content_hash == version_hash


def test_drafts_keep_invalid_text_per_author(tmp_store):
    repo.save_draft(tmp_store, "trainer", "new", "id: [unclosed", T0)
    repo.save_draft(tmp_store, "trainer", "new", "id: still: bad", T0)
    assert repo.get_draft(tmp_store, "trainer", "new") == "id: still: bad"
    assert repo.get_draft(tmp_store, "other", "new") is None
    repo.discard_draft(tmp_store, "trainer", "new")
    assert repo.get_draft(tmp_store, "trainer", "new") is None
