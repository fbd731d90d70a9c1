"""Outbox posts of unknown outcome

An outbox entry remembers which post was being sent when an attempt ended without
Slack's answer (the process died, or the call timed out), so that post is looked for in
the channel before it is sent again.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07
"""

from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('outbox', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('unsure_of', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('outbox', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('unsure_of')
