"""Confidential by default, and the handbook's remaining duties (issue 20)

GitLab notes: a Yellow/Red weekly note now goes to the project's Internal Customer Epic
("epic_note", "epic_green"), and the RAID issue — in the customer's collaboration
project — gets at most a customer-safe "raid_update". Internal notes still owed to a
RAID issue ("raid_note", "back_to_green" not yet sent) are failed here, so that no
process sends them after the upgrade; they stay listed for admins with the reason.
Downgrading forgets the rows of the new kinds (the older schema can't hold them).

Notes: the open Work Exception, Change Order and Work at Risk, by link. `notes` is a
parent (note_revisions cascade from it), so SQLite adds the columns in place rather than
rebuilding the table (see 0009).

Escalations: the Red projects an admin marked Escalated (one row each; removed when
un-escalated); the RAID issue's `Escalated` label is owed through the GitLab outbox
("escalation").

Lessons: lessons learned and customer stories with the handbook's label (llPsProcess,
llProduct, llExpectation, llSupport, llFinanceDelays, CustomerStory), for the
retrospective export and the journal issue ("lesson").

Upside items: upside beyond soft bookings a PM records by hand (amount in cents, month,
reason), kept in a table of its own beside the forecast's money model.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-27
"""

from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

OLD_KINDS = ('win', 'thanks', 'raid_note', 'back_to_green')
NEW_KINDS = (*OLD_KINDS, 'epic_note', 'epic_green', 'raid_update', 'escalation', 'lesson')
NOT_SENT = (
    "not sent: internal notes no longer go to the RAID issue, which the customer can "
    "read; psbot writes them on the Internal Customer Epic now"
)


EXCEPTION_COLUMNS = ('work_exception_url', 'change_order_url', 'work_at_risk_url')


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
    with op.batch_alter_table('notes', schema=None, recreate='never') as batch_op:
        for column in EXCEPTION_COLUMNS:
            batch_op.add_column(
                sa.Column(column, sa.String(length=2000), server_default='', nullable=False)
            )
    op.create_table('escalations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('escalated_by', sa.String(length=32), nullable=False),
    sa.Column('escalated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_escalations_project_id_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_escalations')),
    sa.UniqueConstraint('project_id', name=op.f('uq_escalations_project_id'))
    )
    op.create_table('lessons',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=True),
    sa.Column('label', sa.String(length=32), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('author_id', sa.String(length=32), nullable=False),
    sa.Column('source_permalink', sa.String(length=2000), nullable=False),
    sa.Column('request_key', sa.String(length=128), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("label IN ('llPsProcess', 'llProduct', 'llExpectation', 'llSupport', 'llFinanceDelays', 'CustomerStory')", name=op.f('ck_lessons_label')),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_lessons_project_id_projects'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lessons')),
    sa.UniqueConstraint('request_key', name=op.f('uq_lessons_request_key'))
    )
    with op.batch_alter_table('lessons', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lessons_author_id'), ['author_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_lessons_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_lessons_project_id'), ['project_id'], unique=False)
    op.create_table('upside_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('recorded_by', sa.String(length=32), nullable=False),
    sa.Column('request_key', sa.String(length=128), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('amount > 0', name=op.f('ck_upside_items_amount')),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_upside_items_project_id_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_upside_items')),
    sa.UniqueConstraint('request_key', name=op.f('uq_upside_items_request_key'))
    )
    with op.batch_alter_table('upside_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_upside_items_month'), ['month'], unique=False)
        batch_op.create_index(batch_op.f('ix_upside_items_project_id'), ['project_id'], unique=False)


def downgrade() -> None:
    op.drop_table('upside_items')
    op.drop_table('lessons')
    op.drop_table('escalations')
    with op.batch_alter_table('notes', schema=None, recreate='never') as batch_op:
        for column in reversed(EXCEPTION_COLUMNS):
            batch_op.drop_column(column)
    new = ", ".join(f"'{kind}'" for kind in NEW_KINDS if kind not in OLD_KINDS)
    op.execute(sa.text(f"DELETE FROM gitlab_posts WHERE kind IN ({new})"))
    with op.batch_alter_table('gitlab_posts', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_gitlab_posts_kind'), type_='check')
        batch_op.create_check_constraint(op.f('ck_gitlab_posts_kind'), _kinds(OLD_KINDS))
