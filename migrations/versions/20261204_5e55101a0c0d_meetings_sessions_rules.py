"""Ballots held as meetings: sessions (ballot_sessions, voters.session_id), the
ballot rules (evaluations.rules), the number of ballots counted invalid at the close
(evaluations.invalid_ballots) and the reasons required for extreme scores
(ballot_reasons: like ballot lines, linked to no ballot).

Every existing evaluation gets one session covering its whole population, in
the evaluation's own state, and its voters join it: nothing changes for it.

Revision ID: 5e55101a0c0d
Revises: ba110751ed01
Create Date: 2026-12-04 19:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5e55101a0c0d'
down_revision = 'ba110751ed01'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('ballot_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('evaluation_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('status', sa.Enum('draft', 'open', 'closed', name='session_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('closes_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('opened_on', sa.Date(), nullable=True),
    sa.Column('closed_on', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['evaluation_id'], ['evaluations.id'], name=op.f('fk_ballot_sessions_evaluation_id_evaluations')),
    sa.ForeignKeyConstraint(['unit_id'], ['org_units.id'], name=op.f('fk_ballot_sessions_unit_id_org_units')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_ballot_sessions_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ballot_sessions'))
    )
    with op.batch_alter_table('ballot_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ballot_sessions_tenant_id_evaluation_id'), ['tenant_id', 'evaluation_id'], unique=False)

    with op.batch_alter_table('evaluations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rules', sa.JSON(), nullable=False, server_default=sa.text("'{}'")))
        batch_op.add_column(sa.Column('invalid_ballots', sa.Integer(), nullable=True))
    with op.batch_alter_table('voters', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_voters_session_id_ballot_sessions'), 'ballot_sessions', ['session_id'], ['id'])
        batch_op.create_index(batch_op.f('ix_voters_tenant_id_session_id'), ['tenant_id', 'session_id'], unique=False)
    op.create_table('ballot_reasons',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('evaluation_id', sa.Integer(), nullable=False),
    sa.Column('rater_group_id', sa.Integer(), nullable=False),
    sa.Column('appraisee_id', sa.Integer(), nullable=False),
    sa.Column('score', sa.Numeric(precision=6, scale=2), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['appraisee_id'], ['appraisees.id'], name=op.f('fk_ballot_reasons_appraisee_id_appraisees')),
    sa.ForeignKeyConstraint(['evaluation_id'], ['evaluations.id'], name=op.f('fk_ballot_reasons_evaluation_id_evaluations')),
    sa.ForeignKeyConstraint(['rater_group_id'], ['rater_groups.id'], name=op.f('fk_ballot_reasons_rater_group_id_rater_groups')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_ballot_reasons_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ballot_reasons'))
    )
    with op.batch_alter_table('ballot_reasons', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ballot_reasons_tenant_id_evaluation_id_appraisee_id'), ['tenant_id', 'evaluation_id', 'appraisee_id'], unique=False)

    # one session per existing evaluation, in its state, holding all its voters
    op.execute(
        "INSERT INTO ballot_sessions (tenant_id, evaluation_id, unit_id, name, status, opened_on, closed_on, created_at) "
        "SELECT tenant_id, id, NULL, '全体', status, opened_on, closed_on, created_at FROM evaluations"
    )
    op.execute(
        "UPDATE voters SET session_id = (SELECT s.id FROM ballot_sessions s "
        "WHERE s.evaluation_id = voters.evaluation_id AND s.tenant_id = voters.tenant_id)"
    )


def downgrade():
    with op.batch_alter_table('ballot_reasons', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ballot_reasons_tenant_id_evaluation_id_appraisee_id'))
    op.drop_table('ballot_reasons')
    with op.batch_alter_table('voters', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_voters_tenant_id_session_id'))
        batch_op.drop_constraint(batch_op.f('fk_voters_session_id_ballot_sessions'), type_='foreignkey')
        batch_op.drop_column('session_id')
    with op.batch_alter_table('evaluations', schema=None) as batch_op:
        batch_op.drop_column('invalid_ballots')
        batch_op.drop_column('rules')
    with op.batch_alter_table('ballot_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ballot_sessions_tenant_id_evaluation_id'))
    op.drop_table('ballot_sessions')
