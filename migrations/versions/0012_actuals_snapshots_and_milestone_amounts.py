"""Actuals, forecast snapshots, milestone amounts and the EM>PS transition date

Forecast accuracy needs what was worked (time entries), what was forecast (a snapshot
each Monday, never rewritten), what a Fixed Fee milestone is worth (its amount) and,
for Consulting Blocks and Dedicated Engineer, when scoring starts (the transition date).

As in 0009, `projects` and `milestones` gain columns in place: SQLite must not rebuild
them (dropping the old table would cascade-delete their rows' dependants).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01
"""

from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('projects', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('transition_date', sa.Date(), nullable=True))
    # SQLite cannot add a CHECK constraint in place: the import and the sync refuse a
    # negative amount instead.
    with op.batch_alter_table('milestones', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('amount', sa.Numeric(precision=12, scale=2), nullable=True))

    op.create_table('time_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('week_start', sa.Date(), nullable=False),
    sa.Column('hours', sa.Numeric(precision=7, scale=2), nullable=False),
    sa.Column('approved', sa.Boolean(), nullable=False),
    sa.Column('bill_rate', sa.Numeric(precision=10, scale=2), nullable=True),
    sa.Column('kantata_id', sa.String(length=32), nullable=True),
    sa.CheckConstraint('bill_rate IS NULL OR bill_rate >= 0', name=op.f('ck_time_entries_bill_rate')),
    sa.CheckConstraint('hours >= 0', name=op.f('ck_time_entries_hours')),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_time_entries_person_id_people'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_time_entries_project_id_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_time_entries'))
    )
    with op.batch_alter_table('time_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_time_entries_day'), ['day'], unique=False)
        batch_op.create_index(batch_op.f('ix_time_entries_kantata_id'), ['kantata_id'], unique=True)
        batch_op.create_index(batch_op.f('ix_time_entries_person_id'), ['person_id'], unique=False)
        batch_op.create_index('ix_time_entries_project_id_day', ['project_id', 'day'], unique=False)

    op.create_table('forecast_snapshots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('taken_on', sa.Date(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('type', sa.String(length=32), nullable=False),
    sa.Column('pm_id', sa.Integer(), nullable=True),
    sa.Column('forecast', sa.Numeric(precision=18, scale=5), nullable=False),
    sa.Column('upside', sa.Numeric(precision=18, scale=5), nullable=False),
    sa.Column('hard_hours', sa.Numeric(precision=9, scale=2), nullable=False),
    sa.Column('soft_hours', sa.Numeric(precision=9, scale=2), nullable=False),
    sa.Column('milestones', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['pm_id'], ['people.id'], name=op.f('fk_forecast_snapshots_pm_id_people'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_forecast_snapshots_project_id_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_forecast_snapshots')),
    sa.UniqueConstraint('taken_on', 'project_id', 'month', name='uq_forecast_snapshots_slot')
    )
    with op.batch_alter_table('forecast_snapshots', schema=None) as batch_op:
        batch_op.create_index('ix_forecast_snapshots_month_taken_on', ['month', 'taken_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_forecast_snapshots_project_id'), ['project_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('forecast_snapshots', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_forecast_snapshots_project_id'))
        batch_op.drop_index('ix_forecast_snapshots_month_taken_on')
    op.drop_table('forecast_snapshots')

    with op.batch_alter_table('time_entries', schema=None) as batch_op:
        batch_op.drop_index('ix_time_entries_project_id_day')
        batch_op.drop_index(batch_op.f('ix_time_entries_person_id'))
        batch_op.drop_index(batch_op.f('ix_time_entries_kantata_id'))
        batch_op.drop_index(batch_op.f('ix_time_entries_day'))
    op.drop_table('time_entries')

    with op.batch_alter_table('milestones', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('amount')
    with op.batch_alter_table('projects', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('transition_date')
