"""sign-in security: hashed session tokens, the guessing guard, the one-time first-admin claim

Revision ID: 0002_sign_in_security
Revises: 0001_initial
Create Date: 2026-12-06 18:10:00

Sessions are rebuilt rather than converted: the old table held raw tokens, which cannot be hashed
in SQL portably, and a session is cheap to lose (everyone signs in once more after the upgrade).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_sign_in_security"
down_revision: str | Sequence[str] | None = "0001_initial"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _sessions_table(token_column: str) -> None:
    op.create_table(
        "user_sessions",
        sa.Column(token_column, sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint(token_column),
    )
    with op.batch_alter_table("user_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_user_sessions_user_id"), ["user_id"], unique=False)


def _drop_sessions_table() -> None:
    with op.batch_alter_table("user_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_user_sessions_user_id"))
    op.drop_table("user_sessions")


def _missing(table: str) -> bool:
    # A pre-migration database is completed with the current models before being stamped at the
    # first revision (`migrate._adopt_legacy`), so a later revision may find its tables made.
    return not sa.inspect(op.get_bind()).has_table(table)


def upgrade() -> None:
    if "token" in {c["name"] for c in sa.inspect(op.get_bind()).get_columns("user_sessions")}:
        _drop_sessions_table()
        _sessions_table("token_hash")
    if _missing("sign_in_guards"):
        _create_sign_in_guards()
    if _missing("one_time_claims"):
        _create_one_time_claims()


def _create_sign_in_guards() -> None:
    op.create_table(
        "sign_in_guards",
        sa.Column("scope", sa.String(length=200), nullable=False),
        sa.Column("window_started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("next_try_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("locked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("scope"),
    )


def _create_one_time_claims() -> None:
    op.create_table(
        "one_time_claims",
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("claimed_by", sa.String(length=120), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )


def downgrade() -> None:
    op.drop_table("one_time_claims")
    op.drop_table("sign_in_guards")
    _drop_sessions_table()
    _sessions_table("token")
