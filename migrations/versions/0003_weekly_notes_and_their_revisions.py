"""weekly notes and their revisions

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""

from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('notes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('week', sa.String(length=8), nullable=False),
    sa.Column('progress', sa.String(length=150), nullable=False),
    sa.Column('issue', sa.Text(), nullable=False),
    sa.Column('assistance', sa.Text(), nullable=False),
    sa.Column('dri_ids', sa.JSON(), nullable=False),
    sa.Column('internal_temp', sa.String(length=8), nullable=False),
    sa.Column('customer_temp', sa.String(length=8), nullable=False),
    sa.Column('raid_url', sa.String(length=2000), nullable=False),
    sa.Column('epic_url', sa.String(length=2000), nullable=False),
    sa.Column('forecast_push', sa.Text(), nullable=False),
    sa.Column('upside', sa.Text(), nullable=False),
    sa.Column('author_id', sa.String(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("customer_temp IN ('red', 'yellow', 'green')", name=op.f('ck_notes_customer_temp')),
    sa.CheckConstraint("internal_temp IN ('red', 'yellow', 'green')", name=op.f('ck_notes_internal_temp')),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_notes_project_id_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notes')),
    sa.UniqueConstraint('project_id', 'week', name='uq_notes_project_week')
    )
    with op.batch_alter_table('notes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notes_week'), ['week'], unique=False)

    op.create_table('note_revisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('note_id', sa.Integer(), nullable=False),
    sa.Column('fields', sa.JSON(), nullable=False),
    sa.Column('author_id', sa.String(length=32), nullable=False),
    sa.Column('submission_key', sa.String(length=128), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['note_id'], ['notes.id'], name=op.f('fk_note_revisions_note_id_notes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_note_revisions')),
    sa.UniqueConstraint('submission_key', name=op.f('uq_note_revisions_submission_key'))
    )
    with op.batch_alter_table('note_revisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_note_revisions_note_id'), ['note_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('note_revisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_note_revisions_note_id'))

    op.drop_table('note_revisions')
    with op.batch_alter_table('notes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notes_week'))

    op.drop_table('notes')
