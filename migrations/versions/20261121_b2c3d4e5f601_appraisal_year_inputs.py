"""The appraisal year's inputs: schemes in use, cycles and populations, responsibility
letters, scores, adjustments, vetoes, self-reports, democratic evaluation.

Revision ID: b2c3d4e5f601
Revises: a5439c54e141
Create Date: 2026-11-21 00:58:41.931192

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b2c3d4e5f601'
down_revision = 'a5439c54e141'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('cycles',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('phase', sa.Enum('target_setting', 'tracking', 'scoring', 'computing', 'publicity', 'appeals', 'final', name='cycle_phase', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('letters_due', sa.Date(), nullable=True),
    sa.Column('previous_cycle_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finalised_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['previous_cycle_id'], ['cycles.id'], name=op.f('fk_cycles_previous_cycle_id_cycles')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_cycles_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cycles')),
    sa.UniqueConstraint('tenant_id', 'year', 'name', name=op.f('uq_cycles_tenant_id_year_name'))
    )
    op.create_table('cycle_phase_dates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cycle_id', sa.Integer(), nullable=False),
    sa.Column('phase', sa.Enum('target_setting', 'tracking', 'scoring', 'computing', 'publicity', 'appeals', 'final', name='cycle_phase', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=True),
    sa.Column('ends_on', sa.Date(), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['cycle_id'], ['cycles.id'], name=op.f('fk_cycle_phase_dates_cycle_id_cycles')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_cycle_phase_dates_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cycle_phase_dates')),
    sa.UniqueConstraint('tenant_id', 'cycle_id', 'phase', name=op.f('uq_cycle_phase_dates_tenant_id_cycle_id_phase'))
    )
    op.create_table('deduction_notices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cycle_id', sa.Integer(), nullable=False),
    sa.Column('quarter', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('published_by_id', sa.Integer(), nullable=True),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['cycle_id'], ['cycles.id'], name=op.f('fk_deduction_notices_cycle_id_cycles')),
    sa.ForeignKeyConstraint(['published_by_id'], ['users.id'], name=op.f('fk_deduction_notices_published_by_id_users')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_deduction_notices_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deduction_notices')),
    sa.UniqueConstraint('tenant_id', 'cycle_id', 'quarter', name=op.f('uq_deduction_notices_tenant_id_cycle_id_quarter'))
    )
    op.create_table('evidence',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('owner_type', sa.String(length=32), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('stored_name', sa.String(length=100), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_evidence_tenant_id_tenants')),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_evidence_uploaded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evidence'))
    )
    with op.batch_alter_table('evidence', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evidence_tenant_id_owner_type_owner_id'), ['tenant_id', 'owner_type', 'owner_id'], unique=False)

    op.create_table('phase_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cycle_id', sa.Integer(), nullable=False),
    sa.Column('from_phase', sa.Enum('target_setting', 'tracking', 'scoring', 'computing', 'publicity', 'appeals', 'final', name='from_phase', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('to_phase', sa.Enum('target_setting', 'tracking', 'scoring', 'computing', 'publicity', 'appeals', 'final', name='to_phase', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('actor_user_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['actor_user_id'], ['users.id'], name=op.f('fk_phase_changes_actor_user_id_users')),
    sa.ForeignKeyConstraint(['cycle_id'], ['cycles.id'], name=op.f('fk_phase_changes_cycle_id_cycles')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_phase_changes_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_phase_changes'))
    )
    with op.batch_alter_table('phase_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_phase_changes_tenant_id_cycle_id_at'), ['tenant_id', 'cycle_id', 'at'], unique=False)

    op.create_table('schemes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('template_key', sa.String(length=64), nullable=False),
    sa.Column('appraisee_kind', sa.Enum('unit', 'person', name='appraisee_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('owner_unit_id', sa.Integer(), nullable=True),
    sa.Column('parent_scheme_id', sa.Integer(), nullable=True),
    sa.Column('allowed_for_units', sa.Boolean(), nullable=False),
    sa.Column('archived', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['owner_unit_id'], ['org_units.id'], name=op.f('fk_schemes_owner_unit_id_org_units')),
    sa.ForeignKeyConstraint(['parent_scheme_id'], ['schemes.id'], name=op.f('fk_schemes_parent_scheme_id_schemes')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_schemes_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_schemes')),
    sa.UniqueConstraint('tenant_id', 'key', name=op.f('uq_schemes_tenant_id_key'))
    )
    with op.batch_alter_table('schemes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_schemes_tenant_id_owner_unit_id'), ['tenant_id', 'owner_unit_id'], unique=False)

    op.create_table('scheme_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('scheme_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('overrides', sa.JSON(), nullable=False),
    sa.Column('locks', sa.JSON(), nullable=False),
    sa.Column('content', sa.JSON(), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_scheme_versions_created_by_id_users')),
    sa.ForeignKeyConstraint(['scheme_id'], ['schemes.id'], name=op.f('fk_scheme_versions_scheme_id_schemes')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_scheme_versions_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scheme_versions')),
    sa.UniqueConstraint('tenant_id', 'scheme_id', 'version', name=op.f('uq_scheme_versions_tenant_id_scheme_id_version'))
    )
    with op.batch_alter_table('scheme_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_scheme_versions_tenant_id_content_hash'), ['tenant_id', 'content_hash'], unique=False)

    op.create_table('populations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cycle_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('appraisee_kind', sa.Enum('unit', 'person', name='appraisee_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('scheme_version_id', sa.Integer(), nullable=False),
    sa.Column('owner_unit_id', sa.Integer(), nullable=True),
    sa.Column('selector', sa.JSON(), nullable=False),
    sa.Column('assessors', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['cycle_id'], ['cycles.id'], name=op.f('fk_populations_cycle_id_cycles')),
    sa.ForeignKeyConstraint(['owner_unit_id'], ['org_units.id'], name=op.f('fk_populations_owner_unit_id_org_units')),
    sa.ForeignKeyConstraint(['scheme_version_id'], ['scheme_versions.id'], name=op.f('fk_populations_scheme_version_id_scheme_versions')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_populations_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_populations')),
    sa.UniqueConstraint('tenant_id', 'cycle_id', 'key', name=op.f('uq_populations_tenant_id_cycle_id_key'))
    )
    with op.batch_alter_table('populations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_populations_tenant_id_owner_unit_id'), ['tenant_id', 'owner_unit_id'], unique=False)

    op.create_table('appraisees',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cycle_id', sa.Integer(), nullable=False),
    sa.Column('population_id', sa.Integer(), nullable=False),
    sa.Column('subject_key', sa.String(length=32), nullable=False),
    sa.Column('org_unit_id', sa.Integer(), nullable=True),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('unit_path', sa.String(length=1000), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('ranking_group', sa.String(length=100), nullable=False),
    sa.Column('category', sa.String(length=32), nullable=False),
    sa.Column('supervisor_appraisee_id', sa.Integer(), nullable=True),
    sa.Column('is_unit_head', sa.Boolean(), nullable=False),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.Column('excluded_reason', sa.Text(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['cycle_id'], ['cycles.id'], name=op.f('fk_appraisees_cycle_id_cycles')),
    sa.ForeignKeyConstraint(['org_unit_id'], ['org_units.id'], name=op.f('fk_appraisees_org_unit_id_org_units')),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_appraisees_person_id_people')),
    sa.ForeignKeyConstraint(['population_id'], ['populations.id'], name=op.f('fk_appraisees_population_id_populations')),
    sa.ForeignKeyConstraint(['supervisor_appraisee_id'], ['appraisees.id'], name=op.f('fk_appraisees_supervisor_appraisee_id_appraisees')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_appraisees_tenant_id_tenants')),
    sa.ForeignKeyConstraint(['unit_id'], ['org_units.id'], name=op.f('fk_appraisees_unit_id_org_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appraisees')),
    sa.UniqueConstraint('tenant_id', 'population_id', 'subject_key', name=op.f('uq_appraisees_tenant_id_population_id_subject_key'))
    )
    with op.batch_alter_table('appraisees', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_appraisees_tenant_id_cycle_id_org_unit_id'), ['tenant_id', 'cycle_id', 'org_unit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_appraisees_tenant_id_cycle_id_person_id'), ['tenant_id', 'cycle_id', 'person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_appraisees_tenant_id_population_id_ranking_group'), ['tenant_id', 'population_id', 'ranking_group'], unique=False)

    op.create_table('evaluations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cycle_id', sa.Integer(), nullable=False),
    sa.Column('population_id', sa.Integer(), nullable=False),
    sa.Column('owner_unit_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('status', sa.Enum('draft', 'open', 'closed', name='evaluation_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('scale', sa.String(length=16), nullable=False),
    sa.Column('grade_values', sa.JSON(), nullable=False),
    sa.Column('min_group_size', sa.Integer(), nullable=False),
    sa.Column('small_group_policy', sa.String(length=16), nullable=False),
    sa.Column('settings_frozen', sa.Boolean(), nullable=False),
    sa.Column('opened_on', sa.Date(), nullable=True),
    sa.Column('closed_on', sa.Date(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_evaluations_created_by_id_users')),
    sa.ForeignKeyConstraint(['cycle_id'], ['cycles.id'], name=op.f('fk_evaluations_cycle_id_cycles')),
    sa.ForeignKeyConstraint(['owner_unit_id'], ['org_units.id'], name=op.f('fk_evaluations_owner_unit_id_org_units')),
    sa.ForeignKeyConstraint(['population_id'], ['populations.id'], name=op.f('fk_evaluations_population_id_populations')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_evaluations_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluations'))
    )
    with op.batch_alter_table('evaluations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluations_tenant_id_cycle_id'), ['tenant_id', 'cycle_id'], unique=False)

    op.create_table('adjustment_claims',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cycle_id', sa.Integer(), nullable=False),
    sa.Column('appraisee_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('bonus', 'penalty', name='adjustment_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('rule_key', sa.String(length=100), nullable=False),
    sa.Column('level', sa.String(length=64), nullable=False),
    sa.Column('count', sa.Numeric(precision=8, scale=2), nullable=False),
    sa.Column('dedup_key', sa.String(length=200), nullable=False),
    sa.Column('sharers', sa.Integer(), nullable=False),
    sa.Column('shared_with', sa.Text(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('occurred_on', sa.DateTime(timezone=True), nullable=True),
    sa.Column('status', sa.Enum('claimed', 'verified', 'rejected', 'withdrawn', name='claim_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('reject_reason', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['appraisee_id'], ['appraisees.id'], name=op.f('fk_adjustment_claims_appraisee_id_appraisees')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_adjustment_claims_created_by_id_users')),
    sa.ForeignKeyConstraint(['cycle_id'], ['cycles.id'], name=op.f('fk_adjustment_claims_cycle_id_cycles')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_adjustment_claims_decided_by_id_users')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_adjustment_claims_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_adjustment_claims'))
    )
    with op.batch_alter_table('adjustment_claims', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_adjustment_claims_tenant_id_appraisee_id'), ['tenant_id', 'appraisee_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_adjustment_claims_tenant_id_cycle_id_status'), ['tenant_id', 'cycle_id', 'status'], unique=False)

    op.create_table('letters',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cycle_id', sa.Integer(), nullable=False),
    sa.Column('appraisee_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('draft', 'submitted', 'returned', 'approved', name='letter_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('return_reason', sa.Text(), nullable=False),
    sa.Column('approved_hash', sa.String(length=64), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['appraisee_id'], ['appraisees.id'], name=op.f('fk_letters_appraisee_id_appraisees')),
    sa.ForeignKeyConstraint(['cycle_id'], ['cycles.id'], name=op.f('fk_letters_cycle_id_cycles')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_letters_decided_by_id_users')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_letters_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_letters')),
    sa.UniqueConstraint('tenant_id', 'appraisee_id', name=op.f('uq_letters_tenant_id_appraisee_id'))
    )
    with op.batch_alter_table('letters', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_letters_tenant_id_cycle_id_status'), ['tenant_id', 'cycle_id', 'status'], unique=False)

    op.create_table('rater_groups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('evaluation_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('weight', sa.Numeric(precision=6, scale=4), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['evaluation_id'], ['evaluations.id'], name=op.f('fk_rater_groups_evaluation_id_evaluations')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_rater_groups_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rater_groups')),
    sa.UniqueConstraint('tenant_id', 'evaluation_id', 'key', name=op.f('uq_rater_groups_tenant_id_evaluation_id_key'))
    )
    op.create_table('scores',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cycle_id', sa.Integer(), nullable=False),
    sa.Column('appraisee_id', sa.Integer(), nullable=False),
    sa.Column('indicator_key', sa.String(length=200), nullable=False),
    sa.Column('item_key', sa.String(length=100), nullable=False),
    sa.Column('value', sa.Numeric(precision=12, scale=3), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('entered_by_id', sa.Integer(), nullable=True),
    sa.Column('entered_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['appraisee_id'], ['appraisees.id'], name=op.f('fk_scores_appraisee_id_appraisees')),
    sa.ForeignKeyConstraint(['cycle_id'], ['cycles.id'], name=op.f('fk_scores_cycle_id_cycles')),
    sa.ForeignKeyConstraint(['entered_by_id'], ['users.id'], name=op.f('fk_scores_entered_by_id_users')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_scores_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scores')),
    sa.UniqueConstraint('tenant_id', 'appraisee_id', 'indicator_key', 'item_key', name=op.f('uq_scores_tenant_id_appraisee_id_indicator_key_item_key'))
    )
    with op.batch_alter_table('scores', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_scores_tenant_id_cycle_id_indicator_key'), ['tenant_id', 'cycle_id', 'indicator_key'], unique=False)

    op.create_table('self_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cycle_id', sa.Integer(), nullable=False),
    sa.Column('appraisee_id', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['appraisee_id'], ['appraisees.id'], name=op.f('fk_self_reports_appraisee_id_appraisees')),
    sa.ForeignKeyConstraint(['cycle_id'], ['cycles.id'], name=op.f('fk_self_reports_cycle_id_cycles')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_self_reports_tenant_id_tenants')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_self_reports_updated_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_self_reports')),
    sa.UniqueConstraint('tenant_id', 'appraisee_id', name=op.f('uq_self_reports_tenant_id_appraisee_id'))
    )
    op.create_table('vetoes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cycle_id', sa.Integer(), nullable=False),
    sa.Column('appraisee_id', sa.Integer(), nullable=False),
    sa.Column('rule_key', sa.String(length=100), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked', sa.Boolean(), nullable=False),
    sa.Column('revoke_reason', sa.Text(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['appraisee_id'], ['appraisees.id'], name=op.f('fk_vetoes_appraisee_id_appraisees')),
    sa.ForeignKeyConstraint(['cycle_id'], ['cycles.id'], name=op.f('fk_vetoes_cycle_id_cycles')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_vetoes_recorded_by_id_users')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_vetoes_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_vetoes'))
    )
    with op.batch_alter_table('vetoes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_vetoes_tenant_id_cycle_id_appraisee_id'), ['tenant_id', 'cycle_id', 'appraisee_id'], unique=False)

    op.create_table('ballots',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('evaluation_id', sa.Integer(), nullable=False),
    sa.Column('rater_group_id', sa.Integer(), nullable=False),
    sa.Column('cast_on', sa.Date(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['evaluation_id'], ['evaluations.id'], name=op.f('fk_ballots_evaluation_id_evaluations')),
    sa.ForeignKeyConstraint(['rater_group_id'], ['rater_groups.id'], name=op.f('fk_ballots_rater_group_id_rater_groups')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_ballots_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ballots'))
    )
    with op.batch_alter_table('ballots', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ballots_tenant_id_evaluation_id_rater_group_id'), ['tenant_id', 'evaluation_id', 'rater_group_id'], unique=False)

    op.create_table('letter_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('letter_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('actor_user_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['actor_user_id'], ['users.id'], name=op.f('fk_letter_events_actor_user_id_users')),
    sa.ForeignKeyConstraint(['letter_id'], ['letters.id'], name=op.f('fk_letter_events_letter_id_letters')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_letter_events_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_letter_events'))
    )
    with op.batch_alter_table('letter_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_letter_events_tenant_id_letter_id'), ['tenant_id', 'letter_id'], unique=False)

    op.create_table('letter_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('letter_id', sa.Integer(), nullable=False),
    sa.Column('appraisee_id', sa.Integer(), nullable=False),
    sa.Column('indicator_key', sa.String(length=200), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=500), nullable=False),
    sa.Column('points', sa.Numeric(precision=8, scale=2), nullable=False),
    sa.Column('measure', sa.Text(), nullable=False),
    sa.Column('evidence_required', sa.Text(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['appraisee_id'], ['appraisees.id'], name=op.f('fk_letter_items_appraisee_id_appraisees')),
    sa.ForeignKeyConstraint(['letter_id'], ['letters.id'], name=op.f('fk_letter_items_letter_id_letters')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_letter_items_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_letter_items')),
    sa.UniqueConstraint('tenant_id', 'letter_id', 'seq', name=op.f('uq_letter_items_tenant_id_letter_id_seq'))
    )
    with op.batch_alter_table('letter_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_letter_items_tenant_id_appraisee_id'), ['tenant_id', 'appraisee_id'], unique=False)

    op.create_table('score_revisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('score_id', sa.Integer(), nullable=False),
    sa.Column('value_before', sa.Numeric(precision=12, scale=3), nullable=True),
    sa.Column('value_after', sa.Numeric(precision=12, scale=3), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('actor_user_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['actor_user_id'], ['users.id'], name=op.f('fk_score_revisions_actor_user_id_users')),
    sa.ForeignKeyConstraint(['score_id'], ['scores.id'], name=op.f('fk_score_revisions_score_id_scores')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_score_revisions_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_score_revisions'))
    )
    with op.batch_alter_table('score_revisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_score_revisions_tenant_id_score_id'), ['tenant_id', 'score_id'], unique=False)

    op.create_table('voters',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('evaluation_id', sa.Integer(), nullable=False),
    sa.Column('rater_group_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('code_hash', sa.String(length=64), nullable=True),
    sa.Column('label', sa.String(length=100), nullable=False),
    sa.Column('has_voted', sa.Boolean(), nullable=False),
    sa.Column('voted_on', sa.Date(), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['evaluation_id'], ['evaluations.id'], name=op.f('fk_voters_evaluation_id_evaluations')),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_voters_person_id_people')),
    sa.ForeignKeyConstraint(['rater_group_id'], ['rater_groups.id'], name=op.f('fk_voters_rater_group_id_rater_groups')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_voters_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_voters')),
    sa.UniqueConstraint('tenant_id', 'evaluation_id', 'code_hash', name=op.f('uq_voters_tenant_id_evaluation_id_code_hash')),
    sa.UniqueConstraint('tenant_id', 'evaluation_id', 'person_id', name=op.f('uq_voters_tenant_id_evaluation_id_person_id'))
    )
    with op.batch_alter_table('voters', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_voters_tenant_id_evaluation_id_rater_group_id'), ['tenant_id', 'evaluation_id', 'rater_group_id'], unique=False)

    op.create_table('ballot_lines',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('ballot_id', sa.String(length=32), nullable=False),
    sa.Column('appraisee_id', sa.Integer(), nullable=False),
    sa.Column('score', sa.Numeric(precision=6, scale=2), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['appraisee_id'], ['appraisees.id'], name=op.f('fk_ballot_lines_appraisee_id_appraisees')),
    sa.ForeignKeyConstraint(['ballot_id'], ['ballots.id'], name=op.f('fk_ballot_lines_ballot_id_ballots')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_ballot_lines_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ballot_lines')),
    sa.UniqueConstraint('tenant_id', 'ballot_id', 'appraisee_id', name=op.f('uq_ballot_lines_tenant_id_ballot_id_appraisee_id'))
    )
    with op.batch_alter_table('ballot_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ballot_lines_tenant_id_appraisee_id'), ['tenant_id', 'appraisee_id'], unique=False)



def downgrade():
    with op.batch_alter_table('ballot_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ballot_lines_tenant_id_appraisee_id'))

    op.drop_table('ballot_lines')
    with op.batch_alter_table('voters', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_voters_tenant_id_evaluation_id_rater_group_id'))

    op.drop_table('voters')
    with op.batch_alter_table('score_revisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_score_revisions_tenant_id_score_id'))

    op.drop_table('score_revisions')
    with op.batch_alter_table('letter_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_letter_items_tenant_id_appraisee_id'))

    op.drop_table('letter_items')
    with op.batch_alter_table('letter_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_letter_events_tenant_id_letter_id'))

    op.drop_table('letter_events')
    with op.batch_alter_table('ballots', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ballots_tenant_id_evaluation_id_rater_group_id'))

    op.drop_table('ballots')
    with op.batch_alter_table('vetoes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_vetoes_tenant_id_cycle_id_appraisee_id'))

    op.drop_table('vetoes')
    op.drop_table('self_reports')
    with op.batch_alter_table('scores', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_scores_tenant_id_cycle_id_indicator_key'))

    op.drop_table('scores')
    op.drop_table('rater_groups')
    with op.batch_alter_table('letters', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_letters_tenant_id_cycle_id_status'))

    op.drop_table('letters')
    with op.batch_alter_table('adjustment_claims', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_adjustment_claims_tenant_id_cycle_id_status'))
        batch_op.drop_index(batch_op.f('ix_adjustment_claims_tenant_id_appraisee_id'))

    op.drop_table('adjustment_claims')
    with op.batch_alter_table('evaluations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evaluations_tenant_id_cycle_id'))

    op.drop_table('evaluations')
    with op.batch_alter_table('appraisees', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_appraisees_tenant_id_population_id_ranking_group'))
        batch_op.drop_index(batch_op.f('ix_appraisees_tenant_id_cycle_id_person_id'))
        batch_op.drop_index(batch_op.f('ix_appraisees_tenant_id_cycle_id_org_unit_id'))

    op.drop_table('appraisees')
    with op.batch_alter_table('populations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_populations_tenant_id_owner_unit_id'))

    op.drop_table('populations')
    with op.batch_alter_table('scheme_versions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_scheme_versions_tenant_id_content_hash'))

    op.drop_table('scheme_versions')
    with op.batch_alter_table('schemes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_schemes_tenant_id_owner_unit_id'))

    op.drop_table('schemes')
    with op.batch_alter_table('phase_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_phase_changes_tenant_id_cycle_id_at'))

    op.drop_table('phase_changes')
    with op.batch_alter_table('evidence', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evidence_tenant_id_owner_type_owner_id'))

    op.drop_table('evidence')
    op.drop_table('deduction_notices')
    op.drop_table('cycle_phase_dates')
    op.drop_table('cycles')
