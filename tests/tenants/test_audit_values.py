"""The audit log shows phases and statuses in words (each feature registers its labels)."""

from tests.helpers import login


def test_phases_and_statuses_in_the_log_read_in_words(app, year):
    from appraisal.platform.db import db
    from appraisal.platform.tenancy import tenant_scope
    from appraisal.tenants.cycles import services as cycles
    from appraisal.tenants.cycles.models import Cycle, Phase

    with tenant_scope(year.tenant):
        cycles.move_phase(db.session.get(Cycle, year.ids["cycle"]), Phase.TRACKING)
        db.session.commit()
    client = app.test_client()
    login(client, year.tenant, year.users["office_admin"])
    page = client.get("/t/city/audit/?action=cycle.phase").get_data(as_text=True)
    assert "<del>目标制定</del>" in page and "<ins>过程跟踪</ins>" in page
    assert "<del>target_setting</del>" not in page
