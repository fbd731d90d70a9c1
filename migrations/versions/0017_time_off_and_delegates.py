"""Time off and delegates

A person's time off as they tell psbot (`/ps away START END [@delegate]`): no nudges
while away, and the delegate writes their notes and gets their nudges. One row a person;
past its end date it lapses by itself.

Revision ID: 0017
Revises: 0015
Create Date: 2026-12-07
"""

from alembic import op
import sqlalchemy as sa


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'away',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('slack_user_id', sa.String(length=32), nullable=False),
        sa.Column('starts_on', sa.Date(), nullable=False),
        sa.Column('ends_on', sa.Date(), nullable=False),
        sa.Column('delegate_id', sa.String(length=32), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint('ends_on >= starts_on', name=op.f('ck_away_dates')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_away')),
        sa.UniqueConstraint('slack_user_id', name=op.f('uq_away_slack_user_id')),
    )
    with op.batch_alter_table('away', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_away_ends_on'), ['ends_on'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('away', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_away_ends_on'))
    op.drop_table('away')
