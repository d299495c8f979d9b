"""Ballots: the sealed pool while voting is open (sealed_ballots, ballot_keys),
known-voter rater groups (rater_groups.known_voters), and ballot lines kept per
rater group without a ballot id (a grouped ballot that skips its voter's own
line names its voter).

Revision ID: ba110751ed01
Revises: d7e8f9a0b1c2
Create Date: 2026-12-04 15:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'ba110751ed01'
down_revision = 'd7e8f9a0b1c2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('sealed_ballots',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('evaluation_id', sa.Integer(), nullable=False),
    sa.Column('sealed', sa.LargeBinary(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['evaluation_id'], ['evaluations.id'], name=op.f('fk_sealed_ballots_evaluation_id_evaluations')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_sealed_ballots_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sealed_ballots'))
    )
    with op.batch_alter_table('sealed_ballots', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sealed_ballots_tenant_id_evaluation_id'), ['tenant_id', 'evaluation_id'], unique=False)
    op.create_table('ballot_keys',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('evaluation_id', sa.Integer(), nullable=False),
    sa.Column('wrapped', sa.LargeBinary(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['evaluation_id'], ['evaluations.id'], name=op.f('fk_ballot_keys_evaluation_id_evaluations')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_ballot_keys_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ballot_keys')),
    sa.UniqueConstraint('tenant_id', 'evaluation_id', name=op.f('uq_ballot_keys_tenant_id_evaluation_id'))
    )
    with op.batch_alter_table('rater_groups', schema=None) as batch_op:
        batch_op.add_column(sa.Column('known_voters', sa.Boolean(), nullable=False, server_default=sa.false()))

    # ballot lines: the evaluation and rater group move onto the line, the ballot id goes
    with op.batch_alter_table('ballot_lines', schema=None) as batch_op:
        batch_op.add_column(sa.Column('evaluation_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('rater_group_id', sa.Integer(), nullable=True))
    op.execute("UPDATE ballot_lines SET evaluation_id = (SELECT b.evaluation_id FROM ballots b "
               "WHERE b.id = ballot_lines.ballot_id), rater_group_id = (SELECT b.rater_group_id FROM ballots b "
               "WHERE b.id = ballot_lines.ballot_id)")
    with op.batch_alter_table('ballot_lines', schema=None) as batch_op:
        batch_op.alter_column('evaluation_id', existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column('rater_group_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_constraint('uq_ballot_lines_tenant_id_ballot_id_appraisee_id', type_='unique')
        batch_op.drop_constraint('fk_ballot_lines_ballot_id_ballots', type_='foreignkey')
        batch_op.drop_column('ballot_id')
        batch_op.create_foreign_key(batch_op.f('fk_ballot_lines_evaluation_id_evaluations'), 'evaluations',
                                    ['evaluation_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_ballot_lines_rater_group_id_rater_groups'), 'rater_groups',
                                    ['rater_group_id'], ['id'])
        batch_op.create_index(batch_op.f('ix_ballot_lines_tenant_id_evaluation_id_rater_group_id'),
                              ['tenant_id', 'evaluation_id', 'rater_group_id'], unique=False)


def downgrade():
    # The grouping of lines into ballots is gone for good (that is the point): each line
    # comes back as a ballot of its own.
    with op.batch_alter_table('ballot_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ballot_lines_tenant_id_evaluation_id_rater_group_id'))
        batch_op.drop_constraint(batch_op.f('fk_ballot_lines_rater_group_id_rater_groups'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_ballot_lines_evaluation_id_evaluations'), type_='foreignkey')
        batch_op.add_column(sa.Column('ballot_id', sa.String(length=32), nullable=True))
    op.execute("DELETE FROM ballots")
    op.execute("INSERT INTO ballots (id, tenant_id, evaluation_id, rater_group_id, cast_on) "
               "SELECT l.id, l.tenant_id, l.evaluation_id, l.rater_group_id, COALESCE(e.closed_on, CURRENT_DATE) "
               "FROM ballot_lines l LEFT JOIN evaluations e ON e.id = l.evaluation_id")
    op.execute("UPDATE ballot_lines SET ballot_id = id")
    with op.batch_alter_table('ballot_lines', schema=None) as batch_op:
        batch_op.alter_column('ballot_id', existing_type=sa.String(length=32), nullable=False)
        batch_op.drop_column('rater_group_id')
        batch_op.drop_column('evaluation_id')
        batch_op.create_foreign_key(batch_op.f('fk_ballot_lines_ballot_id_ballots'), 'ballots', ['ballot_id'], ['id'])
        batch_op.create_unique_constraint(batch_op.f('uq_ballot_lines_tenant_id_ballot_id_appraisee_id'),
                                          ['tenant_id', 'ballot_id', 'appraisee_id'])
    with op.batch_alter_table('rater_groups', schema=None) as batch_op:
        batch_op.drop_column('known_voters')
    op.drop_table('ballot_keys')
    with op.batch_alter_table('sealed_ballots', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sealed_ballots_tenant_id_evaluation_id'))
    op.drop_table('sealed_ballots')
