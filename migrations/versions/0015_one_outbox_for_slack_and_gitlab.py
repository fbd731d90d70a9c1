"""One outbox for Slack posts and GitLab notes

GitLab notes had an outbox of their own (`gitlab_posts`, with its own claim, lease,
retries and give-up). They move into `outbox`, the table every Slack post goes through,
as entries whose `target` is 'gitlab': one claim, lease, retry policy and retry loop for
both. Every row moves, pending ones included, and moves back on downgrade.

- A GitLab row's key is its dedupe key under `gitlab:`; the kinds that had the same
  name as a Slack kind are renamed (win → win_note, thanks → thanks_note, and lesson →
  lesson_note beside them), in the key too, so a replayed win still finds its note.
- "A POST may have landed" (`note_posting`) becomes the outbox's `unsure_of` = 0, the
  note being the entry's first step.
- Its deadline is a day after it was owed, as GitLab's give-up was.
- A pending win's or thanks' note whose shout-out is not out yet keeps waiting for it
  (the outbox's tick leaves it alone until an hour after it was owed).

`outbox` is a parent (job_runs.outbox_id refers to it), and its kind and target checks
change, which SQLite can only do by rebuilding the table (batch mode's copy-and-move).
Dropping a parent table with foreign keys on fails (or, with cascades, deletes the
children: see 0009), so `job_runs` lets go of its foreign key first and takes it back
after; rebuilding `job_runs`, which is no table's parent, keeps its rows.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-08
"""

import datetime as dt

from alembic import op
import sqlalchemy as sa


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

GIVE_UP_AFTER = dt.timedelta(hours=24)
WAIT_FOR_SLACK_POST = dt.timedelta(hours=1)
SLACK_KINDS = ('job', 'win', 'thanks', 'dm')
OLD_GITLAB_KINDS = (
    'win', 'thanks', 'raid_note', 'back_to_green', 'epic_note', 'epic_green', 'raid_update',
    'escalation', 'lesson',
)
RENAMED = {'win': 'win_note', 'thanks': 'thanks_note', 'lesson': 'lesson_note'}
NEW_GITLAB_KINDS = tuple(RENAMED.get(kind, kind) for kind in OLD_GITLAB_KINDS)
# The GitLab entries' own columns (Slack entries leave them empty).
GITLAB_COLUMNS = {
    'project_id': sa.Integer, 'target_url': lambda: sa.String(length=2000),
    'label': lambda: sa.String(length=64), 'payload': sa.JSON, 'body': sa.Text,
    'fingerprint': lambda: sa.String(length=64), 'marker': lambda: sa.String(length=40),
    'gitlab_note_id': sa.BigInteger, 'pm_told_at': lambda: sa.DateTime(timezone=True),
}
JOB_RUNS_FK = 'fk_job_runs_outbox_id_outbox'

outbox = sa.table(
    'outbox',
    sa.column('id', sa.Integer), sa.column('key', sa.String), sa.column('target', sa.String),
    sa.column('kind', sa.String), sa.column('subject_id', sa.Integer),
    sa.column('posts', sa.JSON), sa.column('sent', sa.Integer),
    sa.column('unsure_of', sa.Integer), sa.column('status', sa.String),
    sa.column('attempts', sa.Integer), sa.column('next_attempt_at', sa.DateTime(timezone=True)),
    sa.column('lease_until', sa.DateTime(timezone=True)),
    sa.column('deadline', sa.DateTime(timezone=True)), sa.column('error', sa.Text),
    sa.column('created_at', sa.DateTime(timezone=True)),
    sa.column('finished_at', sa.DateTime(timezone=True)),
    *(sa.column(name, type_()) for name, type_ in GITLAB_COLUMNS.items()),
)
gitlab_posts = sa.table(
    'gitlab_posts',
    sa.column('id', sa.Integer), sa.column('kind', sa.String), sa.column('dedupe_key', sa.String),
    sa.column('marker', sa.String), sa.column('project_id', sa.Integer),
    sa.column('subject_id', sa.Integer), sa.column('target_url', sa.String),
    sa.column('label', sa.String), sa.column('payload', sa.JSON), sa.column('body', sa.Text),
    sa.column('fingerprint', sa.String), sa.column('status', sa.String),
    sa.column('attempts', sa.Integer), sa.column('next_attempt_at', sa.DateTime(timezone=True)),
    sa.column('note_posting', sa.Boolean), sa.column('gitlab_note_id', sa.BigInteger),
    sa.column('error', sa.Text), sa.column('pm_told_at', sa.DateTime(timezone=True)),
    sa.column('created_at', sa.DateTime(timezone=True)),
    sa.column('finished_at', sa.DateTime(timezone=True)),
)


def _kinds(kinds) -> str:
    return "kind IN (" + ", ".join(f"'{k}'" for k in kinds) + ")"


def _renamed_key(key: str, kinds: dict[str, str]) -> str:
    """`key` with its leading kind renamed as `kinds` says ("win:3" → "win_note:3")."""
    kind, colon, rest = key.partition(':')
    return f"{kinds[kind]}{colon}{rest}" if colon and kind in kinds else key


def upgrade() -> None:
    with op.batch_alter_table('job_runs', schema=None) as batch_op:
        batch_op.drop_constraint(JOB_RUNS_FK, type_='foreignkey')
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('target', sa.String(length=16), server_default='slack', nullable=False)
        )
        for name, type_ in GITLAB_COLUMNS.items():
            batch_op.add_column(sa.Column(name, type_(), nullable=True))
        batch_op.drop_constraint(op.f('ck_outbox_kind'), type_='check')
        batch_op.create_check_constraint(
            op.f('ck_outbox_kind'), _kinds((*SLACK_KINDS, *NEW_GITLAB_KINDS))
        )
        batch_op.create_check_constraint(op.f('ck_outbox_target'), "target IN ('slack', 'gitlab')")
        batch_op.create_unique_constraint(op.f('uq_outbox_marker'), ['marker'])
        batch_op.create_foreign_key(
            op.f('fk_outbox_project_id_projects'), 'projects', ['project_id'], ['id'],
            ondelete='CASCADE',
        )
        batch_op.create_index(op.f('ix_outbox_project_id'), ['project_id'], unique=False)
    _move_gitlab_posts_into_outbox()
    with op.batch_alter_table('job_runs', schema=None) as batch_op:
        batch_op.create_foreign_key(JOB_RUNS_FK, 'outbox', ['outbox_id'], ['id'])

    with op.batch_alter_table('gitlab_posts', schema=None) as batch_op:
        batch_op.drop_index('ix_gitlab_posts_status_next_attempt_at')
        batch_op.drop_index(op.f('ix_gitlab_posts_project_id'))
    op.drop_table('gitlab_posts')


def _move_gitlab_posts_into_outbox() -> None:
    bind = op.get_bind()
    rows = bind.execute(sa.select(gitlab_posts).order_by(gitlab_posts.c.id)).mappings().all()
    not_shouted_out = {
        kind: set(bind.execute(sa.text(f"SELECT id FROM {table} WHERE ts IS NULL")).scalars())
        for kind, table in (('win', 'wins'), ('thanks', 'thanks'))
    }

    def next_attempt(row):
        waiting = row['status'] == 'pending' and row['subject_id'] in not_shouted_out.get(
            row['kind'], ()
        )
        return row['created_at'] + WAIT_FOR_SLACK_POST if waiting else row['next_attempt_at']

    entries = [
        {
            'key': f"gitlab:{_renamed_key(row['dedupe_key'], RENAMED)}",
            'target': 'gitlab',
            'kind': RENAMED.get(row['kind'], row['kind']),
            'subject_id': row['subject_id'],
            'posts': [],
            'sent': 0,
            'unsure_of': 0 if row['note_posting'] else None,
            'status': row['status'],
            'attempts': row['attempts'],
            'next_attempt_at': next_attempt(row),
            'lease_until': None,
            'deadline': row['created_at'] + GIVE_UP_AFTER,
            'error': row['error'],
            'created_at': row['created_at'],
            'finished_at': row['finished_at'],
            **{name: row[name] for name in GITLAB_COLUMNS},
        }
        for row in rows
    ]
    if entries:
        bind.execute(sa.insert(outbox), entries)


def downgrade() -> None:
    op.create_table('gitlab_posts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('dedupe_key', sa.String(length=200), nullable=False),
    sa.Column('marker', sa.String(length=40), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.Column('target_url', sa.String(length=2000), nullable=False),
    sa.Column('label', sa.String(length=64), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('note_posting', sa.Boolean(), nullable=False),
    sa.Column('gitlab_note_id', sa.BigInteger(), nullable=True),
    sa.Column('error', sa.Text(), nullable=False),
    sa.Column('pm_told_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint(_kinds(OLD_GITLAB_KINDS), name=op.f('ck_gitlab_posts_kind')),
    sa.CheckConstraint("status IN ('pending', 'retrying', 'sent', 'failed')", name=op.f('ck_gitlab_posts_status')),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_gitlab_posts_project_id_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_gitlab_posts')),
    sa.UniqueConstraint('dedupe_key', name=op.f('uq_gitlab_posts_dedupe_key')),
    sa.UniqueConstraint('marker', name=op.f('uq_gitlab_posts_marker'))
    )
    with op.batch_alter_table('gitlab_posts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_gitlab_posts_project_id'), ['project_id'], unique=False)
        batch_op.create_index('ix_gitlab_posts_status_next_attempt_at', ['status', 'next_attempt_at'], unique=False)
    _move_gitlab_entries_out_of_outbox()

    with op.batch_alter_table('job_runs', schema=None) as batch_op:
        batch_op.drop_constraint(JOB_RUNS_FK, type_='foreignkey')
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index(op.f('ix_outbox_project_id'))
        batch_op.drop_constraint(op.f('fk_outbox_project_id_projects'), type_='foreignkey')
        batch_op.drop_constraint(op.f('uq_outbox_marker'), type_='unique')
        batch_op.drop_constraint(op.f('ck_outbox_target'), type_='check')
        batch_op.drop_constraint(op.f('ck_outbox_kind'), type_='check')
        batch_op.create_check_constraint(op.f('ck_outbox_kind'), _kinds(SLACK_KINDS))
        for name in reversed(GITLAB_COLUMNS):
            batch_op.drop_column(name)
        batch_op.drop_column('target')
    with op.batch_alter_table('job_runs', schema=None) as batch_op:
        batch_op.create_foreign_key(JOB_RUNS_FK, 'outbox', ['outbox_id'], ['id'])


def _move_gitlab_entries_out_of_outbox() -> None:
    bind = op.get_bind()
    back = {new: old for old, new in RENAMED.items()}
    gitlab = outbox.c.target == 'gitlab'
    rows = bind.execute(sa.select(outbox).where(gitlab).order_by(outbox.c.id)).mappings().all()
    posts = [
        {
            'kind': back.get(row['kind'], row['kind']),
            'dedupe_key': _renamed_key(row['key'].removeprefix('gitlab:'), back),
            'marker': row['marker'],
            'project_id': row['project_id'],
            'subject_id': row['subject_id'],
            'target_url': row['target_url'],
            'label': row['label'] or '',
            'payload': row['payload'] or {},
            'body': row['body'] or '',
            'fingerprint': row['fingerprint'] or '',
            # The old outbox held a note by moving its next attempt past its lease.
            'status': 'retrying' if row['status'] == 'sending' else row['status'],
            'attempts': row['attempts'],
            'next_attempt_at': row['lease_until'] if row['status'] == 'sending' else row['next_attempt_at'],
            'note_posting': row['unsure_of'] == 0,
            'gitlab_note_id': row['gitlab_note_id'],
            'error': row['error'],
            'pm_told_at': row['pm_told_at'],
            'created_at': row['created_at'],
            'finished_at': row['finished_at'],
        }
        for row in rows
    ]
    if posts:
        bind.execute(sa.insert(gitlab_posts), posts)
    bind.execute(sa.delete(outbox).where(gitlab))
