"""Confidential by default, and the handbook's remaining duties (issue 20)

GitLab notes: a Yellow/Red weekly note now goes to the project's Internal Customer Epic
("epic_note", "epic_green"), and the RAID issue — in the customer's collaboration
project — gets at most a customer-safe "raid_update". Internal notes still owed to a
RAID issue ("raid_note", "back_to_green" not yet sent) are failed here, so that no
process sends them after the upgrade; they stay listed for admins with the reason.
Downgrading forgets the rows of the new kinds (the older schema can't hold them).

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-27
"""

from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

OLD_KINDS = ('win', 'thanks', 'raid_note', 'back_to_green')
NEW_KINDS = (*OLD_KINDS, 'epic_note', 'epic_green', 'raid_update')
NOT_SENT = (
    "not sent: internal notes no longer go to the RAID issue, which the customer can "
    "read; psbot writes them on the Internal Customer Epic now"
)


def _kinds(kinds: tuple[str, ...]) -> str:
    return "kind IN (" + ", ".join(f"'{k}'" for k in kinds) + ")"


def upgrade() -> None:
    # gitlab_posts is no table's parent: SQLite may rebuild it (batch mode) safely.
    with op.batch_alter_table('gitlab_posts', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_gitlab_posts_kind'), type_='check')
        batch_op.create_check_constraint(op.f('ck_gitlab_posts_kind'), _kinds(NEW_KINDS))
    op.execute(
        sa.text(
            "UPDATE gitlab_posts SET status = 'failed', next_attempt_at = NULL, "
            "finished_at = CURRENT_TIMESTAMP, error = :error "
            "WHERE kind IN ('raid_note', 'back_to_green') AND status IN ('pending', 'retrying')"
        ).bindparams(error=NOT_SENT)
    )


def downgrade() -> None:
    op.execute(sa.text("DELETE FROM gitlab_posts WHERE kind IN ('epic_note', 'epic_green', 'raid_update')"))
    with op.batch_alter_table('gitlab_posts', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_gitlab_posts_kind'), type_='check')
        batch_op.create_check_constraint(op.f('ck_gitlab_posts_kind'), _kinds(OLD_KINDS))
