"""One Slack outbox for job runs, shout-outs and DMs

Job runs and wins/thanks each tracked their own delivery; both now go through `outbox`.
Runs with posts move theirs (and how far delivery got) into an outbox entry. A win or
thanks still waiting to be posted at upgrade time is owed a plain-text shout-out (its
rich blocks are built by the app, which a migration must not import); one given up on
becomes a failed entry, so admins still see it and can post it again.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26
"""

import datetime as dt

from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

# What a job run or a waiting shout-out gets as its outbox deadline at upgrade.
RUN_GRACE = dt.timedelta(hours=2)
SHOUTOUT_GRACE = dt.timedelta(hours=24)
OLD_RUN_COLUMNS = (
    'lease_until', 'next_attempt_at', 'attempts', 'posts', 'sent', 'thread_channel', 'thread_ts'
)
POST_COLUMNS = ('post_status', 'post_attempts', 'post_error', 'next_attempt_at')

outbox = sa.table(
    'outbox',
    sa.column('id', sa.Integer), sa.column('key', sa.String), sa.column('kind', sa.String),
    sa.column('subject_id', sa.Integer), sa.column('posts', sa.JSON),
    sa.column('sent', sa.Integer), sa.column('first_channel', sa.String),
    sa.column('first_ts', sa.String), sa.column('status', sa.String),
    sa.column('attempts', sa.Integer), sa.column('next_attempt_at', sa.DateTime(timezone=True)),
    sa.column('lease_until', sa.DateTime(timezone=True)),
    sa.column('deadline', sa.DateTime(timezone=True)), sa.column('error', sa.Text),
    sa.column('created_at', sa.DateTime(timezone=True)),
    sa.column('finished_at', sa.DateTime(timezone=True)),
)
old_runs = sa.table(
    'job_runs',
    sa.column('id', sa.Integer), sa.column('job', sa.String), sa.column('period', sa.String),
    sa.column('status', sa.String), sa.column('scheduled_at', sa.DateTime(timezone=True)),
    sa.column('claimed_at', sa.DateTime(timezone=True)),
    sa.column('finished_at', sa.DateTime(timezone=True)),
    sa.column('lease_until', sa.DateTime(timezone=True)),
    sa.column('next_attempt_at', sa.DateTime(timezone=True)),
    sa.column('attempts', sa.Integer), sa.column('posts', sa.JSON), sa.column('sent', sa.Integer),
    sa.column('thread_channel', sa.String), sa.column('thread_ts', sa.String),
    sa.column('error', sa.Text), sa.column('outbox_id', sa.Integer),
)


def _escape(text):
    return text.replace('&', '&amp;').replace('<', '&lt;').replace('>', '&gt;')


def upgrade() -> None:
    op.create_table('outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=True),
    sa.Column('posts', sa.JSON(), nullable=False),
    sa.Column('sent', sa.Integer(), nullable=False),
    sa.Column('first_channel', sa.String(length=64), nullable=True),
    sa.Column('first_ts', sa.String(length=32), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('lease_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('deadline', sa.DateTime(timezone=True), nullable=False),
    sa.Column('error', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("kind IN ('job', 'win', 'thanks', 'dm')", name=op.f('ck_outbox_kind')),
    sa.CheckConstraint("status IN ('pending', 'sending', 'retrying', 'sent', 'failed')", name=op.f('ck_outbox_status')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox')),
    sa.UniqueConstraint('key', name=op.f('uq_outbox_key'))
    )
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_kind_subject_id', ['kind', 'subject_id'], unique=False)
        batch_op.create_index('ix_outbox_status_next_attempt_at', ['status', 'next_attempt_at'], unique=False)

    with op.batch_alter_table('job_runs', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_job_runs_status'), type_='check')
        batch_op.add_column(sa.Column('outbox_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_job_runs_outbox_id_outbox'), 'outbox', ['outbox_id'], ['id'])
    _move_runs_into_outbox()
    with op.batch_alter_table('job_runs', schema=None) as batch_op:
        batch_op.drop_index('ix_job_runs_status_next_attempt_at')
        for column in OLD_RUN_COLUMNS:
            batch_op.drop_column(column)
        batch_op.create_check_constraint(op.f('ck_job_runs_status'), "status IN ('queued', 'failed', 'skipped')")

    for table, kind in (('wins', 'win'), ('thanks', 'thanks')):
        _owe_waiting_shoutouts(table, kind)
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(op.f(f'ck_{table}_post_status'), type_='check')
            for column in POST_COLUMNS:
                batch_op.drop_column(column)


def _move_runs_into_outbox() -> None:
    bind = op.get_bind()
    runs = bind.execute(
        sa.select(old_runs).where(old_runs.c.status != 'skipped')
    ).mappings().all()
    for run in runs:
        if run['status'] == 'failed' and not run['posts']:
            continue  # building the posts failed: nothing to deliver, stays 'failed'
        entry_id = bind.execute(sa.insert(outbox).values(
            key=f"job:{run['job']}:{run['period']}", kind='job', subject_id=None,
            posts=run['posts'] or [], sent=run['sent'] or 0,
            first_channel=run['thread_channel'], first_ts=run['thread_ts'],
            status=run['status'], attempts=run['attempts'] or 0,
            next_attempt_at=run['next_attempt_at'], lease_until=run['lease_until'],
            deadline=run['scheduled_at'] + RUN_GRACE, error=run['error'] or '',
            created_at=run['claimed_at'], finished_at=run['finished_at'],
        ).returning(outbox.c.id)).scalar_one()
        bind.execute(sa.update(old_runs).where(old_runs.c.id == run['id']).values(
            outbox_id=entry_id, status='queued', error=''
        ))


def _owe_waiting_shoutouts(table: str, kind: str) -> None:
    bind = op.get_bind()
    records = sa.table(
        table, sa.column('id', sa.Integer), sa.column('text', sa.Text),
        sa.column('post_status', sa.String), sa.column('post_attempts', sa.Integer),
        sa.column('post_error', sa.Text), sa.column('next_attempt_at', sa.DateTime(timezone=True)),
        sa.column('created_at', sa.DateTime(timezone=True)),
    )
    label = 'ProjectWin' if kind == 'win' else 'Thanks'
    waiting = bind.execute(sa.select(records).where(
        records.c.post_status.in_(('pending', 'retrying', 'failed'))
    )).mappings().all()
    for record in waiting:
        text = f":tada: *{label}*: {_escape(record['text'])}"
        bind.execute(sa.insert(outbox).values(
            key=f"{kind}:{record['id']}", kind=kind, subject_id=record['id'],
            posts=[{'channel': '', 'text': text, 'blocks': [], 'in_thread': False}],
            sent=0, attempts=record['post_attempts'] or 0,
            deadline=record['created_at'] + SHOUTOUT_GRACE, error=record['post_error'] or '',
            created_at=record['created_at'],
            **(
                {'status': 'failed', 'finished_at': record['created_at'] + SHOUTOUT_GRACE}
                if record['post_status'] == 'failed'
                else {
                    'status': 'retrying',
                    'next_attempt_at': record['next_attempt_at'] or record['created_at'],
                }
            ),
        ))


def downgrade() -> None:
    for table in ('wins', 'thanks'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('post_status', sa.String(length=16), nullable=False, server_default='posted'))
            batch_op.add_column(sa.Column('post_attempts', sa.Integer(), nullable=False, server_default='0'))
            batch_op.add_column(sa.Column('post_error', sa.Text(), nullable=False, server_default=''))
            batch_op.add_column(sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True))
        op.execute(
            f"UPDATE {table} SET post_status = 'retrying', next_attempt_at = created_at "
            "WHERE ts IS NULL"
        )
        kind = 'win' if table == 'wins' else 'thanks'
        op.execute(
            f"UPDATE {table} SET post_status = 'failed', next_attempt_at = NULL WHERE id IN "
            f"(SELECT subject_id FROM outbox WHERE kind = '{kind}' AND status = 'failed')"
        )
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_check_constraint(op.f(f'ck_{table}_post_status'), "post_status IN ('pending', 'retrying', 'posted', 'failed')")

    with op.batch_alter_table('job_runs', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_job_runs_status'), type_='check')
        batch_op.add_column(sa.Column('thread_ts', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('thread_channel', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('sent', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('posts', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('attempts', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('lease_until', sa.DateTime(timezone=True), nullable=True))
    bind = op.get_bind()
    entries = bind.execute(sa.select(outbox).where(outbox.c.kind == 'job')).mappings().all()
    for entry in entries:
        bind.execute(sa.update(old_runs).where(old_runs.c.outbox_id == entry['id']).values(
            posts=entry['posts'], sent=entry['sent'], thread_channel=entry['first_channel'],
            thread_ts=entry['first_ts'], status=entry['status'], attempts=entry['attempts'],
            next_attempt_at=entry['next_attempt_at'], lease_until=entry['lease_until'],
            finished_at=entry['finished_at'], error=entry['error'],
        ))
    op.execute("UPDATE job_runs SET status = 'sent' WHERE status = 'queued'")
    op.execute("UPDATE job_runs SET status = 'retrying' WHERE status = 'pending'")
    with op.batch_alter_table('job_runs', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_job_runs_outbox_id_outbox'), type_='foreignkey')
        batch_op.drop_column('outbox_id')
        batch_op.create_index('ix_job_runs_status_next_attempt_at', ['status', 'next_attempt_at'], unique=False)
        batch_op.create_check_constraint(op.f('ck_job_runs_status'), "status IN ('sending', 'retrying', 'sent', 'failed', 'skipped')")

    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_status_next_attempt_at')
        batch_op.drop_index('ix_outbox_kind_subject_id')
    op.drop_table('outbox')
