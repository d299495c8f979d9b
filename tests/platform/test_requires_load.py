"""Declarative loading and refusals: ``@requires(action, load=Model)`` and ``refuse``.

A probe blueprint on a fresh app exercises the decorator and the helper the
way a feature's routes use them; the users feature is the worked example
(tests/tenants/users).
"""

from __future__ import annotations

import pytest
from flask import request
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms import StringField

from appraisal.platform.db import db
from appraisal.platform.permissions import actor_id, requires
from appraisal.platform.refusals import INVALID, Refusal, form_status, refuse
from appraisal.platform.tenancy import tenant_scope
from appraisal.platform.web import tenant_blueprint
from appraisal.tenants.org import services as org_services
from appraisal.tenants.org.models import OrgUnit
from tests.helpers import login

SEEN: list = []


class ProbeForm(FlaskForm):
    name = StringField("name")
    code = StringField("code")


class ProbeRefusal(Refusal):
    pass


class ProbePlace:
    def __init__(self, unit_path):
        self.unit_path = unit_path


@pytest.fixture
def probe(app, tmp_path):
    (tmp_path / "probe.html").write_text(
        "<p>unit={{ unit.name if unit else '' }}</p>"
        "{% if units is defined %}<p>units={{ units }}</p>{% endif %}"
        "{% for f in form %}{% for e in f.errors %}<p class=error data-field={{ f.name }}>{{ e }}</p>"
        "{% endfor %}{% endfor %}"
        "{% for c, m in get_flashed_messages(with_categories=true) %}<p class=flash-{{ c }}>{{ m }}</p>{% endfor %}",
        encoding="utf-8",
    )
    bp = tenant_blueprint("probe", __name__, url_prefix="/probe", template_folder=str(tmp_path))

    @bp.route("/<unit_id>")  # a string: the decorator must cope with anything in the URL
    @requires("org.edit", load=OrgUnit)
    def show(unit):
        SEEN.append((type(unit), unit.id))
        return f"unit={unit.name} actor={actor_id()}"

    @bp.route("/named/<int:target>")
    @requires("org.view", load=OrgUnit, arg="target", into="node")
    def named(node):
        return f"node={node.code}"

    @bp.route("/<int:unit_id>/parent")
    @requires("org.edit", load=OrgUnit, subject=lambda unit: unit.parent or ProbePlace(""))
    def parent(unit):
        return f"judged the parent of {unit.code}"

    @bp.route("/<int:unit_id>/rename", methods=["GET", "POST"])
    @requires("org.edit", load=OrgUnit)
    def rename(unit):
        form = ProbeForm()
        if request.method == "POST":
            unit.name = form.name.data
            org_services.create_unit(code="NEW1", name="半途新建", kind="department")  # flushed, then refused
            db.session.flush()
            default = None
            exc = {
                "multi": ProbeRefusal("两处不对", fields={"name": "名称不对", "code": "编码不对"}),
                "nofield": ProbeRefusal("整体不行"),
                "elsewhere": ProbeRefusal("放在默认处", field="password"),  # not on this form
            }.get(form.code.data, ProbeRefusal("名称不合适", field="name"))
            if form.code.data == "elsewhere":
                default = "code"
            if form.code.data == "page":  # the page's data is read after the rollback
                units = lambda: {"units": db.session.scalar(select(func.count()).select_from(OrgUnit))}  # noqa: E731
                return refuse(exc, "probe.html", form=form, page=units, unit=unit)
            return refuse(exc, "probe.html", form=form, field=default, unit=unit)
        return f"form {form_status()}"

    app.register_blueprint(bp)
    SEEN.clear()
    return app


@pytest.fixture
def two_tenants(make_tenant, make_user, make_unit):
    a, b = make_tenant("alpha"), make_tenant("beta")
    a_mine, a_other = make_unit(a, "A1", name="甲单位"), make_unit(a, "A2", name="甲其他单位")
    b_unit = make_unit(b, "B1", name="乙单位")
    office = make_user(a, "office_admin", email="office@a.cn")
    unit_admin = make_user(a, "unit_admin", unit=a_mine, email="ua@a.cn")
    return a, a_mine, a_other, b_unit, office, unit_admin


def test_the_loaded_object_reaches_the_view(probe, two_tenants):
    a, mine, _, _, office, _ = two_tenants
    client = probe.test_client()
    login(client, a, office)
    response = client.get(f"/t/alpha/probe/{mine.id}")
    assert response.status_code == 200
    assert response.get_data(as_text=True) == f"unit=甲单位 actor={office.id}"
    assert [(OrgUnit, mine.id)] == SEEN
    assert client.get(f"/t/alpha/probe/named/{mine.id}").get_data(as_text=True) == "node=A1"


def test_another_tenants_id_is_404(probe, two_tenants):
    a, _, _, b_unit, office, _ = two_tenants
    client = probe.test_client()
    login(client, a, office)
    assert client.get(f"/t/alpha/probe/{b_unit.id}").status_code == 404
    assert client.get(f"/t/alpha/probe/named/{b_unit.id}").status_code == 404
    assert SEEN == []


def test_wrong_role_on_the_loaded_object_is_403(probe, two_tenants):
    a, mine, other, _, _, unit_admin = two_tenants
    client = probe.test_client()
    login(client, a, unit_admin)
    assert client.get(f"/t/alpha/probe/{mine.id}").status_code == 200
    assert client.get(f"/t/alpha/probe/{other.id}").status_code == 403  # outside their subtree
    assert [(OrgUnit, mine.id)] == SEEN


@pytest.mark.parametrize("ident", ["abc", "1.5", "0", "-1", "99999999999", str(2**63), "9" * 40])
def test_non_numeric_or_out_of_range_id_is_404(probe, two_tenants, ident):
    a, _, _, _, office, _ = two_tenants
    client = probe.test_client()
    login(client, a, office)
    assert client.get(f"/t/alpha/probe/{ident}").status_code == 404
    assert client.get(f"/t/alpha/probe/{ident}/rename").status_code == 404  # <int:...> routes too


def test_subject_is_what_the_rule_judges(probe, make_tenant, make_user, make_unit):
    a = make_tenant("alpha")
    top = make_unit(a, "T1", name="上级")
    with tenant_scope(a):
        child = org_services.create_unit(
            code="C1", name="下级", kind="department", parent=db.session.get(OrgUnit, top.id)
        )
        db.session.commit()
        child_id = child.id
    admin_of_child = make_user(a, "unit_admin", unit=child, email="child@a.cn")
    admin_of_top = make_user(a, "unit_admin", unit=top, email="top@a.cn")
    client = probe.test_client()
    login(client, a, admin_of_child)
    assert client.get(f"/t/alpha/probe/{child_id}").status_code == 200  # the unit itself: theirs
    assert client.get(f"/t/alpha/probe/{child_id}/parent").status_code == 403  # judged on the parent
    client = probe.test_client()
    login(client, a, admin_of_top)
    response = client.get(f"/t/alpha/probe/{child_id}/parent")
    assert response.status_code == 200 and response.get_data(as_text=True) == "judged the parent of C1"


def test_anonymous_is_sent_to_login_before_anything_is_loaded(probe, two_tenants):
    _, mine, *_ = two_tenants
    response = probe.test_client().get(f"/t/alpha/probe/{mine.id}")
    assert response.status_code == 302 and "/t/alpha/login" in response.headers["Location"]
    assert SEEN == []


def test_load_routes_declare_their_permission_per_object(probe):
    view = probe.view_functions["probe.show"]
    assert view.permission == "org.edit" and view.per_object is True and view.loads is OrgUnit


def test_a_refusal_rolls_back_and_answers_422_beside_the_field(probe, two_tenants):
    a, mine, *_, office, _ = two_tenants
    client = probe.test_client()
    login(client, a, office)
    assert client.get(f"/t/alpha/probe/{mine.id}/rename").get_data(as_text=True) == "form 200"
    response = client.post(f"/t/alpha/probe/{mine.id}/rename", data={"name": "改过的名"})
    assert response.status_code == INVALID == 422
    body = response.get_data(as_text=True)
    assert "<p class=error data-field=name>名称不合适</p>" in body
    assert "unit=甲单位" in body  # re-rendered from the rolled-back object, not the refused edit
    db.session.expire_all()
    with tenant_scope(a):
        assert db.session.get(OrgUnit, mine.id).name == "甲单位"
        assert db.session.scalar(select(OrgUnit).where(OrgUnit.code == "NEW1")) is None


def test_a_refused_page_reads_its_data_after_the_rollback(probe, two_tenants):
    """``refuse(page=...)`` builds the page from what is stored: the unit the refused
    call had already flushed is not counted (2 units, not 3)."""
    a, mine, *_, office, _ = two_tenants
    client = probe.test_client()
    login(client, a, office)
    response = client.post(f"/t/alpha/probe/{mine.id}/rename", data={"name": "改过的名", "code": "page"})
    assert response.status_code == 422
    assert "<p>units=2</p>" in response.get_data(as_text=True)


def test_a_refusal_with_several_fields_or_none(probe, two_tenants):
    a, mine, *_, office, _ = two_tenants
    client = probe.test_client()
    login(client, a, office)
    multi = client.post(f"/t/alpha/probe/{mine.id}/rename", data={"name": "x", "code": "multi"})
    body = multi.get_data(as_text=True)
    assert multi.status_code == 422
    assert "data-field=name>名称不对" in body and "data-field=code>编码不对" in body
    loose = client.post(f"/t/alpha/probe/{mine.id}/rename", data={"name": "x", "code": "nofield"})
    assert loose.status_code == 422 and "<p class=flash-error>整体不行</p>" in loose.get_data(as_text=True)
    elsewhere = client.post(f"/t/alpha/probe/{mine.id}/rename", data={"name": "x", "code": "elsewhere"})
    assert elsewhere.status_code == 422 and "data-field=code>放在默认处" in elsewhere.get_data(as_text=True)


def test_feature_errors_are_refusals_and_still_value_errors():
    from appraisal.platform.accounts import AccountError
    from appraisal.tenants.ballots.services import BallotError
    from appraisal.tenants.cycles.services import CycleError
    from appraisal.tenants.letters.services import LetterError
    from appraisal.tenants.org.services import OrgError
    from appraisal.tenants.results.services.publication import PublicationError
    from appraisal.tenants.schemes.services import SchemeChangeError
    from appraisal.tenants.scoring.services.common import ScoringError

    for cls in (AccountError, BallotError, CycleError, LetterError, OrgError, PublicationError, ScoringError):
        exc = cls("原因")
        assert isinstance(exc, Refusal) and isinstance(exc, ValueError) and str(exc) == "原因"
        assert exc.field is None and exc.fields == {}
    assert AccountError("重复", "email").field == "email"
    scheme = SchemeChangeError(["甲", "乙"])
    assert isinstance(scheme, Refusal) and scheme.errors == ["甲", "乙"] and str(scheme) == "甲; 乙"


def test_requires_refuses_arg_without_load():
    for option in ({"arg": "unit_id"}, {"into": "unit"}, {"subject": str}):
        with pytest.raises(TypeError):
            requires("org.view", **option)
