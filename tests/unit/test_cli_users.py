"""`firedrill users`: provisioning accounts from a script, audited, with clear one-line errors."""

from __future__ import annotations

import io

from simulator.cli import main
from simulator.store import people


def test_an_admin_can_be_created_from_the_command_line_with_the_password_on_stdin(
    tmp_store, monkeypatch, capsys
):
    monkeypatch.setattr("sys.stdin", io.StringIO("a-long-cli-secret\n"))
    assert (
        main(["users", "--url", tmp_store.url, "add", "ops", "--role", "admin", "--display-name", "Ops"]) == 0
    )
    assert "created ops (admin)" in capsys.readouterr().out
    assert people.authenticate(tmp_store, "ops", "a-long-cli-secret").role == "admin"
    entry = people.audit_log(tmp_store, action="create_user")[0]
    assert entry.actor.startswith("cli:") and entry.target == "ops"


def test_a_weak_password_is_refused_with_a_one_line_error(tmp_store, monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert main(["users", "--url", tmp_store.url, "add", "ops", "--role", "trainer"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: password rejected: at least 10 characters") and err.count("\n") == 1


def test_roles_can_be_listed_and_changed(tmp_store, capsys):
    from tests.helpers import make_users

    make_users(tmp_store)
    assert main(["users", "--url", tmp_store.url, "set-role", "trainee3", "trainer"]) == 0
    assert main(["users", "--url", tmp_store.url, "list"]) == 0
    out = capsys.readouterr().out
    assert "trainee3\ttrainer\tactive" in out
