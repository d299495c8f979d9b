"""The audit log reads in words: every recorded action code and the common
field names have a label (Chinese, English per user), the raw code stays
visible for support staff, and an unknown code shows as it is."""

import ast
import html
import re
from pathlib import Path

import pytest

from appraisal.platform import audit
from appraisal.platform.audit_views import ACTION_AREAS, ACTION_LABELS, FIELD_LABELS, action_choices, area_of
from appraisal.platform.db import db
from appraisal.platform.tenancy import tenant_scope
from tests.helpers import login

SOURCE = Path(__file__).resolve().parents[2] / "appraisal"
CODE = re.compile(r"^[a-z_]+(\.[a-z_]+)+$")
#: Codes built at run time, where ``audit.record`` is called with a name or an f-string
#: (``org.services.core.record_active`` is handed its pair by the unit and person services).
DYNAMIC = {
    "tenant.suspend",
    "tenant.activate",
    "user.password_change",
    "user.password_reset",
    "org.unit.activate",
    "org.unit.deactivate",
    "org.person.activate",
    "org.person.deactivate",
}


def _recorded_codes() -> tuple[set[str], list[str]]:
    """Every constant action code passed to ``audit.record`` (either branch of a
    conditional too), and the calls whose code is computed."""
    codes, computed = set(), []

    def constants(node):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return [node.value]
        if isinstance(node, ast.IfExp):
            body, orelse = constants(node.body), constants(node.orelse)
            return None if body is None or orelse is None else body + orelse
        return None

    for path in SOURCE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "record"
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "audit"
                and node.args
            ):
                found = constants(node.args[0])
                if found is None:
                    computed.append(f"{path.relative_to(SOURCE)}:{node.lineno}")
                else:
                    codes.update(found)
    return codes, computed


def test_every_recorded_action_has_a_label():
    codes, computed = _recorded_codes()
    assert len(codes) > 50 and all(CODE.match(c) for c in codes)
    missing = sorted((codes | DYNAMIC) - set(ACTION_LABELS))
    assert not missing, f"add labels to ACTION_LABELS in appraisal/platform/audit_labels.py: {missing}"
    # a computed code is fine when its values are in DYNAMIC; a new one needs a look
    assert len(computed) == 3, f"audit.record with a computed action (list its codes in DYNAMIC): {computed}"
    assert all(area_of(code) for code in ACTION_LABELS), "every labelled action belongs to a filter group"


def test_the_common_field_names_have_labels():
    for name in ("code", "name", "kind", "status", "reason", "phase", "active", "staff_no", "points", "value"):
        assert name in FIELD_LABELS, name


@pytest.fixture
def history(make_tenant, make_user, make_unit):
    tenant = make_tenant("city")
    admin = make_user(tenant, "office_admin", email="admin@city.cn", name="管理员")
    make_unit(tenant, "D1", name="市财政局")
    with tenant_scope(tenant):
        audit.record("legacy.thing", object_type="Legacy", label="旧记录", after={"mystery_field": 1})
        db.session.commit()
    return tenant, admin


def _page(client, query: str = "") -> str:
    return html.unescape(client.get(f"/t/city/audit/{query}").get_data(as_text=True))


def test_the_log_shows_labels_in_chinese_with_the_raw_code(client, history):
    tenant, admin = history
    login(client, tenant, admin)
    page = _page(client)
    assert "新建单位" in page and "org.unit.create" in page  # the label, and the code for support staff
    assert "创建账号" in page and "创建租户" in page
    assert '<span class="key" title="code">编码</span>' in page  # field in words, its name on hover
    assert '<span class="key" title="staff_no">' not in page
    # an unknown code or field shows as it is
    assert "legacy.thing" in page and '<span class="key" title="mystery_field">mystery_field</span>' in page


def test_the_log_shows_labels_in_english_for_an_english_user(client, history):
    tenant, admin = history
    login(client, tenant, admin)
    client.post("/t/city/account/locale", data={"lang-locale": "en"})
    page = _page(client)
    assert "Unit created" in page and "org.unit.create" in page
    assert "Account created" in page and "新建单位" not in page
    assert '<span class="key" title="code">Code</span>' in page
    assert ">Accounts and roles</option>" in page  # the filter's groups


def test_the_action_filter_offers_groups_then_their_actions(client, history):
    tenant, admin = history
    login(client, tenant, admin)
    page = _page(client)
    assert re.search(r'<option value="org\.unit\."\s*>单位</option>', page)
    assert 'value="org.unit.create"' not in page  # a group is chosen first
    chosen = _page(client, "?action=org.unit.")
    assert re.search(r'<option value="org\.unit\."\s*selected>单位</option>', chosen)
    assert re.search(r'<option value="org\.unit\.create"\s*>[^<]*新建单位</option>', chosen)
    assert "创建账号" not in chosen  # the rows are filtered: no user.create
    one = _page(client, "?action=org.unit.create")
    assert re.search(r'<option value="org\.unit\.create"\s*selected>[^<]*新建单位</option>', one)
    typed = _page(client, "?action=legacy")  # any prefix typed into the address still filters
    assert re.search(r'<option value="legacy"\s*selected>legacy</option>', typed) and "旧记录" in typed
    assert ">org.unit.create</code>" not in typed


def test_choices_nest_only_the_chosen_group():
    groups = [c.value for c in action_choices("") if not c.nested]
    assert groups == [prefix for prefix, _label in ACTION_AREAS]
    nested = [c.value for c in action_choices("letter.item.add") if c.nested]
    assert nested == [code for code in ACTION_LABELS if code.startswith("letter.")]
