"""reconcile databases upgraded before revisions 0011-0015 were edited

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 09:00:00

Revisions 0011-0015 were edited after they were committed (0001 too, in comments only). A
database that ran a revision before its edit never runs it again, so it lacks what the edit
added:
  0011 (29f9754)  outbox_message.attachment_name, attachment_type, attachment_text
  0012 (03d0508)  the partial unique index uq_student_credential_live
  0013 (3a76c52)  pathway_rule.preset and uq_pathway_rule_district_id_preset
  0014 (3e0ac60)  incentive_completion.name_key (lower-cased name) and uq_incentive_completion_once
  0015 (53f8965)  externship.cancel_reason, cancelled_by_id (with its foreign key), cancelled_at;
                  the table externship_hour_event
And every database keeps six server defaults that 0003 used to fill the rows present when it
added its columns, which the models never declared: offering.requirements, schedule,
review_note; partner.coordinates_manual, logo_content_type, updated_at (CURRENT_TIMESTAMP,
not UTC on a PostgreSQL server in another time zone). The models give every row its value.

Each step looks at the live schema and changes only what differs, so the revision brings
either history to the same schema. Before changing anything it checks that the two unique
rules it may add hold on the rows already there; when they do not, it stops, names the rows
to resolve, and changes nothing.

Downgrade puts the six server defaults back (the schema 0015 builds today); what the upgrade
may have added belongs to 0011-0015 as they read today and goes with their downgrades.

"""
from alembic import context, op
from alembic.util import CommandError
import sqlalchemy as sa

import wbl.extensions


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


LIVE_CREDENTIAL = "status IN ('pending', 'verified')"

# (table, column, type, the default 0003 gave it)
LEFTOVER_DEFAULTS = [
    ('offering', 'requirements', sa.Text(), ''),
    ('offering', 'schedule', sa.String(length=200), ''),
    ('offering', 'review_note', sa.Text(), ''),
    ('partner', 'coordinates_manual', sa.Boolean(), sa.false()),
    ('partner', 'logo_content_type', sa.String(length=40), ''),
    ('partner', 'updated_at', wbl.extensions.UTCDateTime(), sa.text('CURRENT_TIMESTAMP')),
]


class _Schema:
    """What the live database has, read once before anything changes."""

    def __init__(self, bind):
        inspector = sa.inspect(bind)
        self.tables = set(inspector.get_table_names())
        self.columns = {
            table: {c['name']: c for c in inspector.get_columns(table)}
            for table in ('outbox_message', 'pathway_rule', 'incentive_completion', 'externship',
                          'offering', 'partner')
        }
        self.indexes = {i['name'] for i in inspector.get_indexes('student_credential')}
        self.uniques = {
            table: {u['name'] for u in inspector.get_unique_constraints(table)}
            for table in ('pathway_rule', 'incentive_completion')
        }
        self.externship_fks = {
            tuple(fk['constrained_columns']) for fk in inspector.get_foreign_keys('externship')
        }

    def has_column(self, table, column):
        return column in self.columns[table]


def _name_key(name):
    # As the model and the service compute it (wbl/incentives): any capitalisation is one name.
    return name.strip().lower()


def _repeated(rows, key):
    """{key: [ids]} for the keys more than one row shares, in id order."""
    ids = {}
    for row in rows:
        ids.setdefault(key(row), []).append(row.id)
    return {k: v for k, v in ids.items() if len(v) > 1}


def _refusals(bind, schema):
    """The rows that would break a unique rule this revision adds, described for the operator
    (the application cannot run on a database this revision has not upgraded: fix them in SQL)."""
    problems = []
    if 'uq_student_credential_live' not in schema.indexes:
        rows = bind.execute(sa.text(
            "SELECT id, student_id, credential_id, earned_on FROM student_credential"
            f" WHERE {LIVE_CREDENTIAL} ORDER BY id"
        )).all()
        for (student_id, credential_id, earned_on), ids in _repeated(
                rows, lambda r: (r.student_id, r.credential_id, str(r.earned_on))).items():
            problems.append(
                f"student_credential ids {', '.join(map(str, ids))}: student {student_id} has "
                f"credential {credential_id} earned on {earned_on} pending or verified more "
                "than once; keep one (set the others' status to 'rejected', or delete them)"
            )
    if 'uq_incentive_completion_once' not in schema.uniques['incentive_completion']:
        name = 'name_key' if schema.has_column('incentive_completion', 'name_key') else 'name'
        rows = bind.execute(sa.text(
            f"SELECT id, student_id, completion_type, {name} AS name, completed_on"
            " FROM incentive_completion ORDER BY id"
        )).all()
        for (student_id, kind, key, completed_on), ids in _repeated(
                rows, lambda r: (r.student_id, r.completion_type, _name_key(r.name),
                                 str(r.completed_on))).items():
            problems.append(
                f"incentive_completion ids {', '.join(map(str, ids))}: student {student_id} has "
                f"the {kind} '{key}' completed on {completed_on} entered more than once; keep "
                "one (delete the others)"
            )
    return problems


def upgrade():
    if context.is_offline_mode():
        raise CommandError("Revision 0016 reads the live schema: run it on the database, not with --sql.")
    bind = op.get_bind()
    schema = _Schema(bind)
    problems = _refusals(bind, schema)
    if problems:
        raise CommandError(
            "Revision 0016 changed nothing: these rows break a unique rule it adds.\n  "
            + "\n  ".join(problems)
            + "\nResolve them, then run the upgrade again."
        )

    # 0011: the outbox's text attachment.
    missing = [column for column in (sa.Column('attachment_name', sa.String(length=120), server_default='', nullable=False),
                                     sa.Column('attachment_type', sa.String(length=100), server_default='', nullable=False),
                                     sa.Column('attachment_text', sa.Text(), server_default='', nullable=False))
               if not schema.has_column('outbox_message', column.name)]
    if missing:
        with op.batch_alter_table('outbox_message', schema=None) as batch_op:
            for column in missing:
                batch_op.add_column(column)

    # 0012: one live record per student, credential and date.
    if 'uq_student_credential_live' not in schema.indexes:
        op.create_index('uq_student_credential_live', 'student_credential',
                        ['student_id', 'credential_id', 'earned_on'], unique=True,
                        sqlite_where=sa.text(LIVE_CREDENTIAL),
                        postgresql_where=sa.text(LIVE_CREDENTIAL))

    # 0013: the shipped preset a rule comes from, once per district.
    if not schema.has_column('pathway_rule', 'preset'):
        with op.batch_alter_table('pathway_rule', schema=None) as batch_op:
            batch_op.add_column(sa.Column('preset', sa.String(length=40), nullable=True))
    if 'uq_pathway_rule_district_id_preset' not in schema.uniques['pathway_rule']:
        with op.batch_alter_table('pathway_rule', schema=None) as batch_op:
            batch_op.create_unique_constraint(
                batch_op.f('uq_pathway_rule_district_id_preset'), ['district_id', 'preset'])

    # 0014: a staff-entered completion is entered once (its name in any capitalisation).
    if not schema.has_column('incentive_completion', 'name_key'):
        with op.batch_alter_table('incentive_completion', schema=None) as batch_op:
            batch_op.add_column(sa.Column('name_key', sa.String(length=200), nullable=True))
        completion = sa.table('incentive_completion', sa.column('id', sa.Integer()),
                              sa.column('name', sa.String()), sa.column('name_key', sa.String()))
        keys = [{'row_id': row.id, 'key': _name_key(row.name)}
                for row in bind.execute(sa.select(completion.c.id, completion.c.name))]
        if keys:
            bind.execute(
                completion.update()
                .where(completion.c.id == sa.bindparam('row_id'))
                .values(name_key=sa.bindparam('key')),
                keys,
            )
        with op.batch_alter_table('incentive_completion', schema=None) as batch_op:
            batch_op.alter_column('name_key', existing_type=sa.String(length=200), nullable=False)
    if 'uq_incentive_completion_once' not in schema.uniques['incentive_completion']:
        with op.batch_alter_table('incentive_completion', schema=None) as batch_op:
            batch_op.create_unique_constraint(
                'uq_incentive_completion_once',
                ['student_id', 'completion_type', 'name_key', 'completed_on'])

    # 0015: an externship's cancellation (who, when, why) and the hours' audit trail.
    if not schema.has_column('externship', 'cancel_reason'):
        # Existing rows get '' through a server default the model does not declare: dropped next.
        with op.batch_alter_table('externship', schema=None) as batch_op:
            batch_op.add_column(sa.Column('cancel_reason', sa.Text(), server_default='',
                                          nullable=False))
        with op.batch_alter_table('externship', schema=None) as batch_op:
            batch_op.alter_column('cancel_reason', existing_type=sa.Text(),
                                  existing_nullable=False, server_default=None)
    missing = [column for column in (sa.Column('cancelled_by_id', sa.Integer(), nullable=True),
                                     sa.Column('cancelled_at', wbl.extensions.UTCDateTime(),
                                               nullable=True))
               if not schema.has_column('externship', column.name)]
    if missing:
        with op.batch_alter_table('externship', schema=None) as batch_op:
            for column in missing:
                batch_op.add_column(column)
    if ('cancelled_by_id',) not in schema.externship_fks:
        with op.batch_alter_table('externship', schema=None) as batch_op:
            batch_op.create_foreign_key(
                batch_op.f('fk_externship_cancelled_by_id_user_account'), 'user_account',
                ['cancelled_by_id'], ['id'])
    if 'externship_hour_event' not in schema.tables:
        op.create_table('externship_hour_event',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('application_id', sa.Integer(), nullable=False),
        sa.Column('hour_id', sa.Integer(), nullable=True),
        sa.Column('action', sa.Enum('created', 'edited', 'withdrawn', 'confirmed', 'rejected', name='houraction', native_enum=False, length=16), nullable=False),
        sa.Column('actor_id', sa.Integer(), nullable=True),
        sa.Column('work_date', sa.Date(), nullable=False),
        sa.Column('minutes', sa.Integer(), nullable=False),
        sa.Column('description', sa.Text(), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('at', wbl.extensions.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['actor_id'], ['user_account.id'], name=op.f('fk_externship_hour_event_actor_id_user_account')),
        sa.ForeignKeyConstraint(['application_id'], ['externship_application.id'], name=op.f('fk_externship_hour_event_application_id_externship_application')),
        sa.ForeignKeyConstraint(['hour_id'], ['externship_hour.id'], name=op.f('fk_externship_hour_event_hour_id_externship_hour'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_externship_hour_event'))
        )
        with op.batch_alter_table('externship_hour_event', schema=None) as batch_op:
            batch_op.create_index(batch_op.f('ix_externship_hour_event_application_id'), ['application_id'], unique=False)
            batch_op.create_index(batch_op.f('ix_externship_hour_event_hour_id'), ['hour_id'], unique=False)

    # 0003's leftovers: server defaults the models do not declare.
    for table in ('offering', 'partner'):
        leftovers = [(column, type_) for name, column, type_, _ in LEFTOVER_DEFAULTS
                     if name == table and schema.columns[table][column].get('default') is not None]
        if leftovers:
            with op.batch_alter_table(table, schema=None) as batch_op:
                for column, type_ in leftovers:
                    batch_op.alter_column(column, existing_type=type_, existing_nullable=False,
                                          server_default=None)


def downgrade():
    for table in ('partner', 'offering'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name, column, type_, default in LEFTOVER_DEFAULTS:
                if name == table:
                    batch_op.alter_column(column, existing_type=type_, existing_nullable=False,
                                          server_default=default)
