"""bookings and milestones

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('bookings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=8), nullable=False),
    sa.Column('week_start', sa.Date(), nullable=False),
    sa.Column('hours', sa.Numeric(precision=7, scale=2), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('bill_rate', sa.Numeric(precision=10, scale=2), nullable=True),
    sa.CheckConstraint("kind IN ('soft', 'hard')", name=op.f('ck_bookings_kind')),
    sa.CheckConstraint("role IN ('PM', 'PSE', 'TA')", name=op.f('ck_bookings_role')),
    sa.CheckConstraint('bill_rate IS NULL OR bill_rate >= 0', name=op.f('ck_bookings_bill_rate')),
    sa.CheckConstraint('hours >= 0', name=op.f('ck_bookings_hours')),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_bookings_person_id_people'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_bookings_project_id_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bookings')),
    sa.UniqueConstraint('project_id', 'person_id', 'role', 'week_start', 'kind', name='uq_bookings_slot')
    )
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bookings_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_bookings_project_id'), ['project_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_bookings_week_start'), ['week_start'], unique=False)

    op.create_table('milestones',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=True),
    sa.Column('signoff_sent', sa.Date(), nullable=True),
    sa.Column('signoff_received', sa.Date(), nullable=True),
    sa.Column('passive_days', sa.Integer(), nullable=True),
    sa.CheckConstraint('passive_days IS NULL OR passive_days > 0', name=op.f('ck_milestones_passive_days')),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_milestones_project_id_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_milestones')),
    sa.UniqueConstraint('project_id', 'name', name='uq_milestones_project_name')
    )
    with op.batch_alter_table('milestones', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_milestones_project_id'), ['project_id'], unique=False)

    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_projects_pm_id'), ['pm_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_projects_pm_id'))

    with op.batch_alter_table('milestones', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_milestones_project_id'))

    op.drop_table('milestones')
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bookings_week_start'))
        batch_op.drop_index(batch_op.f('ix_bookings_project_id'))
        batch_op.drop_index(batch_op.f('ix_bookings_person_id'))

    op.drop_table('bookings')
