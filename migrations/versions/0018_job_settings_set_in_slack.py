"""Job settings set in Slack

An admin changes a job's time, channel or on/off from App Home; the value wins over the
PSBOT_JOB_* environment (which stays the default) at every replica's next tick. Who
changed what, old and new, goes to the audit log.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07
"""

from alembic import op
import sqlalchemy as sa


revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'job_settings',
        sa.Column('job', sa.String(length=64), nullable=False),
        sa.Column('setting', sa.String(length=16), nullable=False),
        sa.Column('value', sa.String(length=200), nullable=False),
        sa.Column('changed_by', sa.String(length=32), nullable=False),
        sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "setting IN ('time', 'channel', 'switch')", name=op.f('ck_job_settings_setting')
        ),
        sa.PrimaryKeyConstraint('job', 'setting', name=op.f('pk_job_settings')),
    )


def downgrade() -> None:
    op.drop_table('job_settings')
