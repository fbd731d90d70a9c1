"""GitLab outbox, and each project's journal issue link

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26
"""

from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('gitlab_posts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('dedupe_key', sa.String(length=200), nullable=False),
    sa.Column('marker', sa.String(length=40), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.Column('target_url', sa.String(length=2000), nullable=False),
    sa.Column('label', sa.String(length=64), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('note_posting', sa.Boolean(), nullable=False),
    sa.Column('gitlab_note_id', sa.BigInteger(), nullable=True),
    sa.Column('error', sa.Text(), nullable=False),
    sa.Column('pm_told_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("kind IN ('win', 'thanks', 'raid_note', 'back_to_green')", name=op.f('ck_gitlab_posts_kind')),
    sa.CheckConstraint("status IN ('pending', 'retrying', 'sent', 'failed')", name=op.f('ck_gitlab_posts_status')),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_gitlab_posts_project_id_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_gitlab_posts')),
    sa.UniqueConstraint('dedupe_key', name=op.f('uq_gitlab_posts_dedupe_key')),
    sa.UniqueConstraint('marker', name=op.f('uq_gitlab_posts_marker'))
    )
    with op.batch_alter_table('gitlab_posts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_gitlab_posts_project_id'), ['project_id'], unique=False)
        batch_op.create_index('ix_gitlab_posts_status_next_attempt_at', ['status', 'next_attempt_at'], unique=False)

    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.add_column(sa.Column('journal_issue_url', sa.String(length=2000), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.drop_column('journal_issue_url')

    with op.batch_alter_table('gitlab_posts', schema=None) as batch_op:
        batch_op.drop_index('ix_gitlab_posts_status_next_attempt_at')
        batch_op.drop_index(batch_op.f('ix_gitlab_posts_project_id'))

    op.drop_table('gitlab_posts')
