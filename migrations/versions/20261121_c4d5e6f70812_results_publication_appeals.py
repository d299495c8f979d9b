"""Computed results (runs, rows, explanations), publication and appeals.

Revision ID: c4d5e6f70812
Revises: b2c3d4e5f601
Create Date: 2026-11-21 01:15:12.853589

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c4d5e6f70812'
down_revision = 'b2c3d4e5f601'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('publications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cycle_id', sa.Integer(), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('published_by_id', sa.Integer(), nullable=True),
    sa.Column('publicity_ends_on', sa.Date(), nullable=False),
    sa.Column('appeals_end_on', sa.Date(), nullable=False),
    sa.Column('answer_days', sa.Integer(), nullable=False),
    sa.Column('notice', sa.Text(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['cycle_id'], ['cycles.id'], name=op.f('fk_publications_cycle_id_cycles')),
    sa.ForeignKeyConstraint(['published_by_id'], ['users.id'], name=op.f('fk_publications_published_by_id_users')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_publications_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_publications')),
    sa.UniqueConstraint('tenant_id', 'cycle_id', name=op.f('uq_publications_tenant_id_cycle_id'))
    )
    op.create_table('result_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cycle_id', sa.Integer(), nullable=False),
    sa.Column('population_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('queued', 'running', 'succeeded', 'failed', name='run_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('is_current', sa.Boolean(), nullable=False),
    sa.Column('job_id', sa.String(length=100), nullable=False),
    sa.Column('scheme_version_id', sa.Integer(), nullable=False),
    sa.Column('scheme_hash', sa.String(length=64), nullable=False),
    sa.Column('progress', sa.Float(), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('error', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('heartbeat_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('row_count', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_result_runs_created_by_id_users')),
    sa.ForeignKeyConstraint(['cycle_id'], ['cycles.id'], name=op.f('fk_result_runs_cycle_id_cycles')),
    sa.ForeignKeyConstraint(['population_id'], ['populations.id'], name=op.f('fk_result_runs_population_id_populations')),
    sa.ForeignKeyConstraint(['scheme_version_id'], ['scheme_versions.id'], name=op.f('fk_result_runs_scheme_version_id_scheme_versions')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_result_runs_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_result_runs'))
    )
    with op.batch_alter_table('result_runs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_result_runs_tenant_id_population_id_started_at'), ['tenant_id', 'population_id', 'started_at'], unique=False)
        batch_op.create_index('uq_result_runs_current', ['tenant_id', 'population_id'], unique=True, postgresql_where=sa.text('is_current'), sqlite_where=sa.text('is_current'))

    op.create_table('appeals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cycle_id', sa.Integer(), nullable=False),
    sa.Column('appraisee_id', sa.Integer(), nullable=False),
    sa.Column('filed_by_id', sa.Integer(), nullable=True),
    sa.Column('filed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reasons', sa.Text(), nullable=False),
    sa.Column('status', sa.Enum('filed', 'upheld', 'rejected', 'withdrawn', name='appeal_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('answer_due_on', sa.Date(), nullable=False),
    sa.Column('answer', sa.Text(), nullable=False),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('answered_by_id', sa.Integer(), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['answered_by_id'], ['users.id'], name=op.f('fk_appeals_answered_by_id_users')),
    sa.ForeignKeyConstraint(['appraisee_id'], ['appraisees.id'], name=op.f('fk_appeals_appraisee_id_appraisees')),
    sa.ForeignKeyConstraint(['cycle_id'], ['cycles.id'], name=op.f('fk_appeals_cycle_id_cycles')),
    sa.ForeignKeyConstraint(['filed_by_id'], ['users.id'], name=op.f('fk_appeals_filed_by_id_users')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_appeals_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appeals'))
    )
    with op.batch_alter_table('appeals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_appeals_tenant_id_appraisee_id'), ['tenant_id', 'appraisee_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_appeals_tenant_id_cycle_id_status'), ['tenant_id', 'cycle_id', 'status'], unique=False)

    op.create_table('result_explanations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('appraisee_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('ref', sa.String(length=200), nullable=False),
    sa.Column('zh', sa.Text(), nullable=False),
    sa.Column('en', sa.Text(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['appraisee_id'], ['appraisees.id'], name=op.f('fk_result_explanations_appraisee_id_appraisees')),
    sa.ForeignKeyConstraint(['run_id'], ['result_runs.id'], name=op.f('fk_result_explanations_run_id_result_runs')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_result_explanations_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_result_explanations'))
    )
    with op.batch_alter_table('result_explanations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_result_explanations_tenant_id_run_id_appraisee_id_seq'), ['tenant_id', 'run_id', 'appraisee_id', 'seq'], unique=False)

    op.create_table('result_rows',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('appraisee_id', sa.Integer(), nullable=False),
    sa.Column('group', sa.String(length=100), nullable=False),
    sa.Column('rank', sa.Integer(), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('composite', sa.Float(), nullable=True),
    sa.Column('grade', sa.String(length=64), nullable=False),
    sa.Column('award', sa.String(length=64), nullable=False),
    sa.Column('award_paid', sa.Float(), nullable=True),
    sa.Column('vetoed', sa.Boolean(), nullable=False),
    sa.Column('quotas', sa.JSON(), nullable=False),
    sa.Column('flags', sa.Text(), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('adjustments', sa.JSON(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['appraisee_id'], ['appraisees.id'], name=op.f('fk_result_rows_appraisee_id_appraisees')),
    sa.ForeignKeyConstraint(['run_id'], ['result_runs.id'], name=op.f('fk_result_rows_run_id_result_runs')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_result_rows_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_result_rows')),
    sa.UniqueConstraint('tenant_id', 'run_id', 'appraisee_id', name=op.f('uq_result_rows_tenant_id_run_id_appraisee_id'))
    )
    with op.batch_alter_table('result_rows', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_result_rows_tenant_id_run_id_group_position'), ['tenant_id', 'run_id', 'group', 'position'], unique=False)



def downgrade():
    with op.batch_alter_table('result_rows', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_result_rows_tenant_id_run_id_group_position'))

    op.drop_table('result_rows')
    with op.batch_alter_table('result_explanations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_result_explanations_tenant_id_run_id_appraisee_id_seq'))

    op.drop_table('result_explanations')
    with op.batch_alter_table('appeals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_appeals_tenant_id_cycle_id_status'))
        batch_op.drop_index(batch_op.f('ix_appeals_tenant_id_appraisee_id'))

    op.drop_table('appeals')
    with op.batch_alter_table('result_runs', schema=None) as batch_op:
        batch_op.drop_index('uq_result_runs_current', postgresql_where=sa.text('is_current'), sqlite_where=sa.text('is_current'))
        batch_op.drop_index(batch_op.f('ix_result_runs_tenant_id_population_id_started_at'))

    op.drop_table('result_runs')
    op.drop_table('publications')
