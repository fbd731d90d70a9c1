"""Data changes

Which projects each data version changed, when the writer could say (a Kantata sync);
NULL when it could not (an import, a people change): then everything may have changed.
A replica that kept the portfolio of an earlier version recomputes only those projects.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07
"""

from alembic import op
import sqlalchemy as sa


revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'data_changes',
        sa.Column('version', sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column('projects', sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint('version', name=op.f('pk_data_changes')),
    )


def downgrade() -> None:
    op.drop_table('data_changes')
