"""wins, thanks and closure checklists

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26
"""

from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('closure_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('item', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('item_date', sa.Date(), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('changed_by', sa.String(length=32), nullable=True),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("status IN ('open', 'done', 'na')", name=op.f('ck_closure_items_status')),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_closure_items_project_id_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_closure_items')),
    sa.UniqueConstraint('project_id', 'item', name='uq_closure_items_project_item')
    )
    op.create_table('thanks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('giver_id', sa.String(length=32), nullable=False),
    sa.Column('receiver_ids', sa.JSON(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('source_permalink', sa.String(length=2000), nullable=False),
    sa.Column('request_key', sa.String(length=128), nullable=True),
    sa.Column('post_status', sa.String(length=16), nullable=False),
    sa.Column('post_attempts', sa.Integer(), nullable=False),
    sa.Column('post_error', sa.Text(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('channel', sa.String(length=64), nullable=True),
    sa.Column('ts', sa.String(length=32), nullable=True),
    sa.Column('permalink', sa.String(length=2000), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("post_status IN ('pending', 'retrying', 'posted', 'failed')", name=op.f('ck_thanks_post_status')),
    sa.CheckConstraint("source IN ('command', 'message')", name=op.f('ck_thanks_source')),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_thanks_project_id_projects'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_thanks')),
    sa.UniqueConstraint('request_key', name=op.f('uq_thanks_request_key'))
    )
    with op.batch_alter_table('thanks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_thanks_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_thanks_giver_id'), ['giver_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_thanks_project_id'), ['project_id'], unique=False)

    op.create_table('wins',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('author_id', sa.String(length=32), nullable=False),
    sa.Column('member_ids', sa.JSON(), nullable=False),
    sa.Column('source_permalink', sa.String(length=2000), nullable=False),
    sa.Column('request_key', sa.String(length=128), nullable=True),
    sa.Column('post_status', sa.String(length=16), nullable=False),
    sa.Column('post_attempts', sa.Integer(), nullable=False),
    sa.Column('post_error', sa.Text(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('channel', sa.String(length=64), nullable=True),
    sa.Column('ts', sa.String(length=32), nullable=True),
    sa.Column('permalink', sa.String(length=2000), nullable=False),
    sa.Column('pinned', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("post_status IN ('pending', 'retrying', 'posted', 'failed')", name=op.f('ck_wins_post_status')),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_wins_project_id_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_wins')),
    sa.UniqueConstraint('request_key', name=op.f('uq_wins_request_key'))
    )
    with op.batch_alter_table('wins', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_wins_author_id'), ['author_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_wins_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_wins_project_id'), ['project_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('wins', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_wins_project_id'))
        batch_op.drop_index(batch_op.f('ix_wins_created_at'))
        batch_op.drop_index(batch_op.f('ix_wins_author_id'))

    op.drop_table('wins')
    with op.batch_alter_table('thanks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_thanks_project_id'))
        batch_op.drop_index(batch_op.f('ix_thanks_giver_id'))
        batch_op.drop_index(batch_op.f('ix_thanks_created_at'))

    op.drop_table('thanks')
    op.drop_table('closure_items')
