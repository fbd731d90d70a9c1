"""Kantata ids of projects and milestones

A Kantata sync matched projects by SOW number and milestones by name, so a SOW number or
a milestone renamed in Kantata made a second row beside the first (and the project's
bookings counted twice). Each now remembers the Kantata workspace or story it came from;
rows imported from CSV have none.

SQLite must not rebuild `projects` (batch mode's copy-and-move): with foreign keys on,
dropping the old table deletes every note, booking, win and checklist of every project
(ON DELETE CASCADE). So a unique index, not a constraint, and ALTER TABLE in place
(DROP COLUMN needs SQLite 3.35).

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-26
"""

from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

TABLES = ('projects', 'milestones')


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None, recreate='never') as batch_op:
            batch_op.add_column(sa.Column('kantata_id', sa.String(length=32), nullable=True))
            batch_op.create_index(batch_op.f(f'ix_{table}_kantata_id'), ['kantata_id'], unique=True)


def downgrade() -> None:
    for table in reversed(TABLES):
        with op.batch_alter_table(table, schema=None, recreate='never') as batch_op:
            batch_op.drop_index(batch_op.f(f'ix_{table}_kantata_id'))
            batch_op.drop_column('kantata_id')
