"""`firedrill users`: accounts from the command line (list, add, set-role, reset-password, unlock), for
teams that provision people by script. Passwords are read from stdin or a prompt, never argv
(which other users of the machine can see); every change is audited with actor `cli:<os user>`."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from datetime import UTC, datetime

from . import CliError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("users", help="list and manage accounts (admin, trainer, trainee)")
    p.add_argument("--url", help="database URL (default: FIREDRILL_DATABASE_URL or data/firedrill.db)")
    cmds = p.add_subparsers(dest="users_cmd", required=True)
    cmds.add_parser("list", help="every account with its role")
    a = cmds.add_parser("add", help="create an account; the password is read from stdin or asked for")
    a.add_argument("username")
    a.add_argument("--role", required=True, choices=["admin", "trainer", "trainee"])
    a.add_argument("--display-name", default="")
    r = cmds.add_parser("set-role", help="change someone's role")
    r.add_argument("username")
    r.add_argument("role", choices=["admin", "trainer", "trainee"])
    w = cmds.add_parser("reset-password", help="set a new password (ends their open sessions)")
    w.add_argument("username")
    u = cmds.add_parser("unlock", help="lift the lock many failed sign-ins put on an account")
    u.add_argument("username")
    p.set_defaults(func=run)


def _password() -> str:
    if sys.stdin.isatty():
        first = getpass.getpass("Password: ")
        if getpass.getpass("Repeat password: ") != first:
            raise CliError("the two passwords differ")
        return first
    return sys.stdin.readline().rstrip("\n")


def run(args: argparse.Namespace) -> int:
    from ..accounts import AccountError
    from ..services import accounts
    from ..services.database import database_url, open_store

    store = open_store(args.url or database_url())
    now = datetime.now(UTC)
    actor = f"cli:{os.environ.get('USER') or getpass.getuser()}"
    try:
        if args.users_cmd == "list":
            for p in accounts.list_users(store):
                print(f"{p.username}\t{p.role}\t{'active' if p.active else 'deactivated'}\t{p.display_name}")
        elif args.users_cmd == "add":
            person = accounts.add_user(
                store, actor, args.username, _password(), args.role, now, args.display_name or None
            )
            print(f"created {person.username} ({person.role})")
        elif args.users_cmd == "set-role":
            accounts.set_role(store, actor, args.username, args.role, now)
            print(f"{args.username} is now {args.role}")
        elif args.users_cmd == "reset-password":
            accounts.reset_password(store, actor, args.username, _password(), now)
            print(f"password of {args.username} reset")
        elif args.users_cmd == "unlock":
            accounts.unlock(store, actor, args.username, now)
            print(f"{args.username} can sign in again")
    except AccountError as exc:
        raise CliError(str(exc)) from exc
    finally:
        store.dispose()
    return 0
