"""Hostile values (issue item 8) give a clear error on their field, never a
500: scores 1e25, 1e309, nan, inf, sNaN; NUL bytes anywhere (the anonymous
voting-code entry and the login included); ids of 2^31 and more in URLs,
query strings and forms; line breaks in names; dates in year 1 or 9999.

Every POST form on the pages the office (and an anonymous visitor) can open
is found by reading the pages, and hypothesis draws the values thrown at each
field. Run against PostgreSQL (TEST_DATABASE_URL) to see integer overflows.
"""

from __future__ import annotations

import csv
import io
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import Phase as Stage
from hypothesis import strategies as st
from openpyxl import load_workbook

from appraisal.tenants.cycles.models import Phase
from tests.helpers import login
from tests.tenants.hostile import forms_on
from tests.tenants.scoring.conftest import move_to

NUMBER_JUNK = ["1e25", "1e309", "-1e309", "nan", "NaN", "inf", "-inf", "Infinity", "sNaN", "-sNaN"]
DATE_JUNK = ["0001-01-01", "9999-12-31"]
HUGE = st.integers(min_value=2**31, max_value=10**30)
# no shrinking: an example is one request per field, and the failure message names the field and value
SETTINGS = settings(
    max_examples=4,
    deadline=None,
    derandomize=True,
    phases=[Stage.explicit, Stage.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# a value for a field: hostile numbers, huge ids, bad dates, text with NUL / line breaks
hostile = st.one_of(
    st.sampled_from(NUMBER_JUNK + DATE_JUNK),
    HUGE.map(str),
    st.text(max_size=8).map(lambda t: t + "\x00"),
    st.text(alphabet="张三abc", min_size=1, max_size=4).map(lambda t: t + "\r\n" + t),
)

NUMERIC_NAMES = re.compile(
    r"^(v\|.*|points|count|weight|.*weight|min_group_size|year|quarter|sort_order|"
    r"f\..*|.*_days)$"
)
ONE_LINE_NAMES = re.compile(r"name|code|staff_no|email|title|^key$|position|slug")
COUNTS = ("quarter", "year", "count", "min_group_size", "sort_order")
SELF_EVIDENT = ('role="alert"', "flash-error", 'class="error')


def _must_refuse(kind: str, name: str, value: str) -> bool:
    """Whether this value is wrong for this field whatever the form (else: just no 500)."""
    if "\x00" in value:
        return True
    if "\r" in value or "\n" in value:
        return kind in ("text", "email", "search") and bool(ONE_LINE_NAMES.search(name))
    if value in NUMBER_JUNK:
        return kind == "number" or bool(NUMERIC_NAMES.match(name)) or name.endswith("_id")
    if value.isdigit():  # an id or a count beyond any integer column (an amount may be that large)
        return kind == "select" or name.endswith("_id") or name in COUNTS
    if value in DATE_JUNK:
        return kind == "date"
    return False


def _refused(client, response) -> bool:
    if response.status_code >= 400:
        return True
    if response.status_code in (301, 302, 303):
        response = client.get(response.headers["Location"])
    html = response.get_data(as_text=True)
    return any(marker in html for marker in SELF_EVIDENT)


def _throw(client, forms, data) -> None:
    for form in forms:
        for name, kind in form.kinds.items():
            if name in ("csrf_token",) or kind in ("checkbox", "radio", "hidden"):
                continue
            value = data.draw(hostile, label=f"{form.action} {name}")
            fields = dict(form.fields)
            fields[name] = value
            response = client.post(
                form.action, data=fields, content_type="multipart/form-data" if form.multipart else None
            )
            assert response.status_code != 500, (form.action, name, value)
            if _must_refuse(kind, name, value):
                assert _refused(client, response), (form.action, name, value, response.status_code)


def setup_pages(year) -> list[str]:
    ids, base = year.ids, f"/t/{year.tenant.slug}"
    return [
        f"{base}/org/units/new",
        f"{base}/org/units/{ids['depts'][0]}/edit",
        f"{base}/org/units/{ids['depts'][0]}/people/new",
        f"{base}/org/people/{ids['people'][0]}/edit",
        f"{base}/users/new",
        f"{base}/users/{year.users['staff'].id}",
        f"{base}/cycles/new",
        f"{base}/cycles/{ids['cycle']}",
        f"{base}/cycles/{ids['cycle']}/populations/new",
        f"{base}/cycles/populations/{ids['dept_pop']}",
        f"{base}/letters/{ids['appraisee']}",
        f"{base}/schemes/{ids['scheme']}/customise",
        f"{base}/ballots/new",
        f"{base}/ballots/{ids['evaluation']}/edit",
        f"{base}/ballots/{ids['evaluation']}/voters",
        f"{base}/ballots/{ids['evaluation']}/codes",
    ]


def scoring_pages(year) -> list[str]:
    ids, base = year.ids, f"/t/{year.tenant.slug}"
    return [
        f"{base}/scoring/grid?population={ids['dept_pop']}",
        f"{base}/scoring/appraisees/{ids['appraisee']}",
        f"{base}/scoring/appraisees/{ids['appraisee']}/claims/new",
        f"{base}/scoring/appraisees/{ids['appraisee']}/penalties/new",
        f"{base}/scoring/appraisees/{ids['appraisee']}/vetoes/new",
        f"{base}/scoring/appraisees/{ids['appraisee']}/self-report",
        f"{base}/scoring/notices/new",
        f"{base}/scoring/claims",
    ]


@pytest.fixture
def office(app, year):
    client = app.test_client()
    login(client, year.tenant, year.users["office_admin"])
    return client


@SETTINGS
@given(data=st.data())
def test_setup_forms_refuse_hostile_values(app, year, office, data):
    forms = forms_on(office, setup_pages(year))
    assert len(forms) >= 12
    _throw(office, forms, data)


@SETTINGS
@given(data=st.data())
def test_scoring_forms_refuse_hostile_values(app, year, office, data):
    if not getattr(year, "_scoring", False):
        move_to(year, Phase.SCORING)
        year._scoring = True
    forms = forms_on(office, scoring_pages(year))
    assert any("grid" in f.action for f in forms) and any("claims/new" in f.action for f in forms)
    _throw(office, forms, data)


@SETTINGS
@given(data=st.data())
def test_login_and_voting_code_entry_refuse_hostile_values(app, year, data):
    anonymous = app.test_client()
    forms = forms_on(anonymous, [f"/t/{year.tenant.slug}/login", f"/t/{year.tenant.slug}/vote", "/"])
    assert {f.action.rstrip("/").rsplit("/", 1)[-1] for f in forms} >= {"login", "vote"}
    _throw(anonymous, forms, data)


def _id_urls(app, year, huge: int) -> list[tuple[str, str]]:
    """Every tenant URL with an <int:…> part, with each id replaced by ``huge``."""
    out = []
    for rule in app.url_map.iter_rules():
        if "tenant_slug" not in rule.arguments or not any(
            c.__class__.__name__.endswith("IntConverter") for c in rule._converters.values()
        ):
            continue
        path = re.sub(r"<int:[^>]+>", str(huge), rule.rule)
        if re.search(r"<[^>]+>", path.replace("<tenant_slug>", year.tenant.slug)):
            continue  # another variable (a template key): not an id
        path = path.replace("<tenant_slug>", year.tenant.slug)
        # GET where the route has one, else the route's own write method (POST, or PUT in the API)
        method = "GET" if "GET" in rule.methods else sorted(rule.methods - {"HEAD", "OPTIONS"})[0]
        out.append((method, path))
    return out


@settings(
    max_examples=3,
    deadline=None,
    phases=[Stage.explicit, Stage.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(huge=HUGE)
def test_ids_beyond_integer_in_urls_are_404(app, year, office, huge):
    urls = _id_urls(app, year, huge)
    assert len(urls) > 40
    for method, url in urls:
        response = office.open(url, method=method)
        assert response.status_code == 404, (method, url, response.status_code)


@settings(
    max_examples=3,
    deadline=None,
    phases=[Stage.explicit, Stage.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(huge=HUGE)
def test_ids_beyond_integer_in_query_strings_are_not_500(app, year, office, huge):
    base = f"/t/{year.tenant.slug}"
    for url in (
        f"{base}/scoring/grid?population={huge}",
        f"{base}/scoring/template.xlsx?population={huge}",
        f"{base}/letters/?cycle_id={huge}",
        f"{base}/scoring/claims?cycle={huge}",
        f"{base}/results/?cycle={huge}",
        f"{base}/scoring/notices/new?quarter={huge}",
        f"{base}/org/people?unit={huge}&page={huge}",
        f"{base}/audit/?page={huge}",
    ):
        response = office.get(url)
        assert response.status_code < 500, (url, response.status_code)


# --- imports --------------------------------------------------------------


def _csv(rows) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode("utf-8")


@settings(
    max_examples=12,
    deadline=None,
    phases=[Stage.explicit, Stage.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(column=st.sampled_from([0, 1, 2, 3, 4, 6]), value=hostile)
def test_roster_import_refuses_hostile_cells(app, year, office, column, value):
    row = ["H1", "新人", "D1", "一般干部", "科员", "", "1"]
    row[column] = value
    data = _csv([["工号", "姓名", "单位编码", "类别", "职务", "领导职务", "排序"], row])
    response = office.post(
        f"/t/{year.tenant.slug}/org/import",
        data={"file": (io.BytesIO(data), "名册.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code != 500
    if "\x00" in value or "\r" in value or (column == 6 and value not in ("1",)):
        assert response.status_code == 422, (column, value)
        assert 'class="table issues"' in response.get_data(as_text=True)


@settings(
    max_examples=10,
    deadline=None,
    phases=[Stage.explicit, Stage.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(value=st.one_of(st.sampled_from(NUMBER_JUNK), HUGE.map(str)))
def test_score_upload_refuses_hostile_numbers(app, year, value):
    if not getattr(year, "_scoring", False):
        move_to(year, Phase.SCORING)
        year._scoring = True
    assessor = app.test_client()
    login(assessor, year.tenant, year.users["assessor"])
    base, pop = f"/t/{year.tenant.slug}/scoring", year.ids["dept_pop"]
    template = assessor.get(f"{base}/template.xlsx?population={pop}")
    wb = load_workbook(io.BytesIO(template.data))
    wb["评分"].cell(row=2, column=3, value=value)
    buffer = io.BytesIO()
    wb.save(buffer)
    response = assessor.post(
        f"{base}/upload?population={pop}",
        data={"file": (io.BytesIO(buffer.getvalue()), "评分.xlsx")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422, (value, response.status_code)
    assert "须" in response.get_data(as_text=True)


# --- the values the issue names, each where it gave a 500 ---------------------


def _post_field(client, page: str, action_part: str, field: str, value: str):
    form = next(f for f in forms_on(client, [page]) if action_part in f.action)
    data = dict(form.fields)
    data[field] = value
    return client.post(form.action, data=data, content_type="multipart/form-data" if form.multipart else None)


@pytest.mark.parametrize("value", ["1e25", "1e309", "nan", "inf", "-inf", "sNaN"])
def test_scores_grid_names_the_cell(app, year, office, value):
    move_to(year, Phase.SCORING)
    page = f"/t/{year.tenant.slug}/scoring/grid?population={year.ids['dept_pop']}"
    form = next(f for f in forms_on(office, [page]) if "grid" in f.action)
    cell = next(name for name in form.fields if name.startswith("v|"))
    response = _post_field(office, page, "grid", cell, value)
    assert response.status_code == 422
    assert "须为数字" in response.get_data(as_text=True)


@pytest.mark.parametrize("value", ["sNaN", "nan", "inf", "1e309"])
def test_letter_points(app, year, office, value):
    page = f"/t/{year.tenant.slug}/letters/{year.ids['appraisee']}"
    response = _post_field(office, page, "/items", "points", value)  # the page flashes the field's error
    assert response.status_code == 302
    html = office.get(response.headers["Location"]).get_data(as_text=True)
    assert "分值：须为有效数字" in html or "分值：数值超出允许范围" in html


@pytest.mark.parametrize("value", ["0001-01-01", "9999-12-31"])
def test_claim_dates_outside_a_sane_range(app, year, office, value):
    move_to(year, Phase.SCORING)
    page = f"/t/{year.tenant.slug}/scoring/appraisees/{year.ids['appraisee']}/claims/new"
    response = _post_field(office, page, "claims/new", "occurred_on", value)
    assert response.status_code in (400, 422)
    assert "日期须在 2000-01-01 到 2100-12-31 之间" in response.get_data(as_text=True)


def test_line_breaks_in_a_unit_name_and_nul_in_the_voting_code(app, year, office):
    page = f"/t/{year.tenant.slug}/org/units/{year.ids['depts'][0]}/edit"
    response = _post_field(office, page, "/edit", "name", "财政局\r\n=1+1")
    assert response.status_code in (400, 422) and "不能包含换行" in response.get_data(as_text=True)
    anonymous = app.test_client()
    response = _post_field(anonymous, f"/t/{year.tenant.slug}/vote", "vote", "code", "ABCD\x00EFGH")
    assert response.status_code != 500 and "不能包含不可见的控制字符" in response.get_data(as_text=True)
    response = _post_field(anonymous, f"/t/{year.tenant.slug}/login", "login", "email", "a\x00@example.cn")
    assert response.status_code != 500 and "不能包含不可见的控制字符" in response.get_data(as_text=True)


def test_an_id_of_2_to_the_31_in_a_form_is_a_field_error(app, year, office):
    move_to(year, Phase.SCORING)
    page = f"/t/{year.tenant.slug}/scoring/notices/new"
    response = _post_field(office, page, "notices/new", "quarter", str(2**31))
    assert response.status_code in (400, 422) and _refused(office, response)
    page = f"/t/{year.tenant.slug}/org/units/{year.ids['depts'][0]}/people/new"
    response = _post_field(office, page, "people/new", "unit_id", str(2**31))
    assert response.status_code in (400, 422) and _refused(office, response)


@pytest.mark.parametrize(
    "bomb, message",
    [
        ("a:\n" + "".join("  " * i + f"k{i}:\n" for i in range(1, 1000)) + "  " * 1000 + "v\n", "YAML 文本过大"),
        ("a: " + "[" * 500 + "]" * 500, "YAML 嵌套层数过多"),
        (
            "a: &a ["
            + ", ".join(["x"] * 60)
            + "]\n"
            + "".join(
                f"b{i}: &b{i} [" + ", ".join([f"*{'a' if i == 0 else f'b{i - 1}'}"] * 60) + "]\n" for i in range(3)
            ),
            "YAML 内容过多",
        ),
    ],
)
def test_the_customisation_box_refuses_yaml_bombs(app, year, office, bomb, message):
    """1,000 levels used to be a RecursionError (500); a large text a gigabyte of objects."""
    page = f"/t/{year.tenant.slug}/schemes/{year.ids['scheme']}/customise"
    response = _post_field(office, page, "customise", "overrides", bomb)
    assert response.status_code == 422  # a refused form, as everywhere (it answered 400 before the refusals were one)
    assert message in response.get_data(as_text=True)
