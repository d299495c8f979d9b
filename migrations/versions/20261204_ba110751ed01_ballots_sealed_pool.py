"""Ballots: the sealed pool while voting is open (sealed_ballots, ballot_keys)
and known-voter rater groups (rater_groups.known_voters).

Revision ID: ba110751ed01
Revises: c4d5e6f70812
Create Date: 2026-12-04 15:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'ba110751ed01'
down_revision = 'c4d5e6f70812'
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


def downgrade():
    with op.batch_alter_table('rater_groups', schema=None) as batch_op:
        batch_op.drop_column('known_voters')
    op.drop_table('ballot_keys')
    with op.batch_alter_table('sealed_ballots', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sealed_ballots_tenant_id_evaluation_id'))
    op.drop_table('sealed_ballots')
