"""People as pages and the CLI manage them: accounts (add, role, password, active, unlock) and
the audit log they leave. Each command is audited by the repository that stores it
(`simulator.store.accounts`, `simulator.store.audit`); this module is the one door pages and the
CLI use, so neither reaches into the store."""

from __future__ import annotations

from ..store.accounts import (
    MAX_DISPLAY_NAME,
    Account,
    add_user,
    get_user_by_username,
    list_users,
    locked_accounts,
    reset_password,
    set_active,
    set_role,
    unlock,
)
from ..store.audit import AuditEntry, audit_actions, audit_log, count_audit

__all__ = [
    "MAX_DISPLAY_NAME",
    "Account",
    "AuditEntry",
    "add_user",
    "audit_actions",
    "audit_log",
    "count_audit",
    "get_user_by_username",
    "list_users",
    "locked_accounts",
    "reset_password",
    "set_active",
    "set_role",
    "unlock",
]
