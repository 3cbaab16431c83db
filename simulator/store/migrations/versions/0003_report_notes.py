"""report notes: trainers' signed notes beside a trainee's post-incident report

Revision ID: 0003_report_notes
Revises: 0002_sign_in_security
Create Date: 2026-12-06 18:15:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_report_notes"
down_revision: str | Sequence[str] | None = "0002_sign_in_security"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A pre-migration database is completed with the current models before being stamped at the
    # first revision (`migrate._adopt_legacy`): the table may exist already.
    if sa.inspect(op.get_bind()).has_table("report_notes"):
        return
    op.create_table(
        "report_notes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("attempt_id", sa.Integer(), nullable=False),
        sa.Column("author", sa.String(length=120), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["attempt_id"], ["attempts.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("report_notes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_report_notes_attempt_id"), ["attempt_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("report_notes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_report_notes_attempt_id"))
    op.drop_table("report_notes")
