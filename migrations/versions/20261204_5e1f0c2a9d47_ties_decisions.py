"""Ties decided openly: the office's decisions on ties the chain cannot break
(tie_decisions) and each run's ties (result_runs.ties).

Revision ID: 5e1f0c2a9d47
Revises: 5f1c0a9e7d21
Create Date: 2026-12-04 20:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5e1f0c2a9d47'
down_revision = '5f1c0a9e7d21'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('tie_decisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('population_id', sa.Integer(), nullable=False),
    sa.Column('line', sa.String(length=200), nullable=False),
    sa.Column('tied', sa.JSON(), nullable=False),
    sa.Column('placed', sa.JSON(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('document_no', sa.String(length=100), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_tie_decisions_decided_by_id_users')),
    sa.ForeignKeyConstraint(['population_id'], ['populations.id'], name=op.f('fk_tie_decisions_population_id_populations')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_tie_decisions_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tie_decisions'))
    )
    with op.batch_alter_table('tie_decisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tie_decisions_tenant_id_population_id'), ['tenant_id', 'population_id'], unique=False)
    with op.batch_alter_table('result_runs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ties', sa.JSON(), nullable=False, server_default='[]'))


def downgrade():
    with op.batch_alter_table('result_runs', schema=None) as batch_op:
        batch_op.drop_column('ties')
    with op.batch_alter_table('tie_decisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tie_decisions_tenant_id_population_id'))
    op.drop_table('tie_decisions')
