"""Fresh Kantata data and the bench

An incremental Kantata sync keeps a copy of what Kantata sent (`kantata_objects`) and the
time of the last successful sync (`sync_state`, which also holds the lease that lets one
sync run at a time); each project records when its data was last synced or imported
(`projects.data_as_of`, shown as "Kantata data as of"). People get a PS role, an active
flag and their Kantata user, and `time_off` holds the hours they are off, so that
under-allocation covers the whole bench at its real capacity.

As in 0009, SQLite must not rebuild `people` or `projects` (their foreign keys cascade):
columns are added in place and the unique key is an index.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01
"""

from alembic import op
import sqlalchemy as sa



revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('people', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('role', sa.String(length=8), nullable=True))
        batch_op.add_column(
            sa.Column('active', sa.Boolean(), nullable=False, server_default=sa.true())
        )
        batch_op.add_column(sa.Column('kantata_id', sa.String(length=32), nullable=True))
        batch_op.create_index(batch_op.f('ix_people_kantata_id'), ['kantata_id'], unique=True)
    with op.batch_alter_table('projects', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('data_as_of', sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        'time_off',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('hours', sa.Numeric(precision=5, scale=2), nullable=False),
        sa.CheckConstraint('hours >= 0', name=op.f('ck_time_off_hours')),
        sa.ForeignKeyConstraint(
            ['person_id'], ['people.id'],
            name=op.f('fk_time_off_person_id_people'), ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_time_off')),
        sa.UniqueConstraint('person_id', 'day', name='uq_time_off_person_day'),
    )
    op.create_index(op.f('ix_time_off_day'), 'time_off', ['day'], unique=False)
    op.create_table(
        'kantata_objects',
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('kantata_id', sa.String(length=40), nullable=False),
        sa.Column('owner', sa.String(length=80), nullable=True),
        sa.Column('listed', sa.Boolean(), nullable=False),
        sa.Column('data', sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint('kind', 'kantata_id', name=op.f('pk_kantata_objects')),
    )
    op.create_index(
        'ix_kantata_objects_kind_owner', 'kantata_objects', ['kind', 'owner'], unique=False
    )
    op.create_table(
        'sync_state',
        sa.Column('source', sa.String(length=32), nullable=False),
        sa.Column('synced_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('full_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('lease_until', sa.DateTime(timezone=True), nullable=True),
        sa.Column('lease_holder', sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint('source', name=op.f('pk_sync_state')),
    )


def downgrade() -> None:
    op.drop_table('sync_state')
    op.drop_index('ix_kantata_objects_kind_owner', table_name='kantata_objects')
    op.drop_table('kantata_objects')
    op.drop_index(op.f('ix_time_off_day'), table_name='time_off')
    op.drop_table('time_off')
    with op.batch_alter_table('projects', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('data_as_of')
    with op.batch_alter_table('people', schema=None, recreate='never') as batch_op:
        batch_op.drop_index(batch_op.f('ix_people_kantata_id'))
        batch_op.drop_column('kantata_id')
        batch_op.drop_column('active')
        batch_op.drop_column('role')
