"""Forms of the democratic-evaluation screens (choices are set by the views).

The ballot itself is not a WTForms form: its rows depend on the evaluation,
so the view reads ``score-<appraisee id>`` fields and the service checks them;
:class:`CsrfForm` carries the CSRF token.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    Form,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields import FieldList, FormField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from appraisal.platform.inputs import SafeForm
from appraisal.tenants.ballots.services.codes import MAX_CODES_AT_ONCE
from appraisal.tenants.ballots.services.settings import MAX_GROUP_NAME, MAX_TITLE

REQUIRED = _l("请填写此项")


def options(pairs) -> list[SelectChoice]:
    """Select choices from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


class CsrfForm(SafeForm):
    """A POST with nothing but its CSRF token (buttons, the ballot)."""


class GroupRow(Form):
    include = BooleanField(_l("参加"))
    key = HiddenField()
    name = StringField(_l("组别名称"), validators=[Optional(), Length(max=MAX_GROUP_NAME)])
    weight = StringField(_l("权重"), validators=[Optional(), Length(max=12)])


class EvaluationForm(SafeForm):
    title = StringField(
        _l("测评名称"),
        validators=[DataRequired(REQUIRED), Length(max=MAX_TITLE)],
        description=_l("例如：2026年度市财政局干部民主测评"),
    )
    population_id = SelectField(_l("考核对象群体"), coerce=int, validate_choice=False)
    owner_unit_id = SelectField(
        _l("组织单位"),
        coerce=int,
        validate_choice=False,
        description=_l("单位管理员组织的本单位干部测评，由本单位管理员和考核办共同管理"),
    )
    scale = SelectField(
        _l("评分方式"), choices=options([("score", _l("百分制（0–100 分）")), ("grade", _l("等次（按分值折算）"))])
    )
    grade_values = TextAreaField(
        _l("等次及折算分值"), render_kw={"rows": 4}, description=_l("每行一个，如“优秀=95”；仅在按等次评分时使用")
    )
    min_group_size = IntegerField(
        _l("显示结果的组别最少人数"),
        default=3,
        validators=[DataRequired(REQUIRED), NumberRange(min=3, max=100)],
        description=_l("某组别对某人的有效票少于此数时，不单独显示该组别的结果（至少 3）"),
    )
    small_group_policy = SelectField(
        _l("人数不足的组别"),
        choices=options(
            [
                ("merge", _l("合并计算：与其他人数不足的组别合并；仍不足时并入人数最少的达标组别")),
                ("drop", _l("舍弃：不计入结果，其权重按比例分摊给其余组别")),
            ]
        ),
    )
    groups = FieldList(FormField(GroupRow), min_entries=0)
    # ballot rules (services/rules.py); empty: no such rule
    top_score = StringField(
        _l("“优秀”分数线"),
        validators=[Optional(), Length(max=8)],
        description=_l("评分达到此分数即算“优秀”；等次评分时填“优秀”的分值"),
    )
    top_max_count = StringField(_l("每票“优秀”最多个数"), validators=[Optional(), Length(max=6)])
    top_max_percent = StringField(_l("每票“优秀”最高比例（%）"), validators=[Optional(), Length(max=3)])
    reason_at_or_above = StringField(_l("达到此分须填理由"), validators=[Optional(), Length(max=8)])
    reason_below = StringField(_l("低于此分须填理由"), validators=[Optional(), Length(max=8)])
    allow_unknown = BooleanField(_l("允许选“不了解”（不计入平均分）"))
    invalid_same_score = BooleanField(_l("所有考核对象评分相同的为无效票"))
    invalid_unknown_half = BooleanField(_l("“不了解”超过半数的为无效票"))
    invalid_mode = SelectField(
        _l("无效票的处理"),
        default="refuse",
        validate_choice=False,  # checked by the service (empty: refuse)
        choices=options([("refuse", _l("提交时拒绝，请投票人修改")), ("count", _l("接受提交，结束时计为无效票"))]),
    )

    RULE_FIELDS = (
        "top_score",
        "top_max_count",
        "top_max_percent",
        "reason_at_or_above",
        "reason_below",
        "allow_unknown",
        "invalid_same_score",
        "invalid_unknown_half",
        "invalid_mode",
    )

    def rules_data(self) -> dict:
        return {name: getattr(self, name).data for name in self.RULE_FIELDS}

    def fill_rules(self, rules: dict) -> None:
        for name in self.RULE_FIELDS:
            value = (rules or {}).get(name)
            getattr(self, name).data = value if value is not None else ("refuse" if name == "invalid_mode" else None)


class VotersByUnitForm(SafeForm):
    session_id = SelectField(_l("场次"), coerce=int, validate_choice=False)
    unit_id = SelectField(_l("单位"), coerce=int, validate_choice=False)
    subtree = BooleanField(_l("含下级单位（科室）"), default=True)
    group_principal = SelectField(_l("主要领导加入"), coerce=int, validate_choice=False)
    group_deputy = SelectField(_l("副职领导加入"), coerce=int, validate_choice=False)
    group_none = SelectField(_l("其他人员加入"), coerce=int, validate_choice=False)


class SessionsForm(SafeForm):
    group_principal = SelectField(_l("主要领导加入"), coerce=int, validate_choice=False)
    group_deputy = SelectField(_l("副职领导加入"), coerce=int, validate_choice=False)
    group_none = SelectField(_l("其他人员加入"), coerce=int, validate_choice=False)


class VoterForm(SafeForm):
    session_id = SelectField(_l("场次"), coerce=int, validate_choice=False)
    staff_no = StringField(_l("工号"), validators=[DataRequired(REQUIRED), Length(max=32)])
    group_id = SelectField(_l("评价人组别"), coerce=int, validate_choice=False)


class CodesForm(SafeForm):
    session_id = SelectField(_l("场次"), coerce=int, validate_choice=False)
    group_id = SelectField(_l("评价人组别"), coerce=int, validate_choice=False)
    count = IntegerField(
        _l("数量"), default=10, validators=[DataRequired(REQUIRED), NumberRange(min=1, max=MAX_CODES_AT_ONCE)]
    )


class NamedCodesForm(SafeForm):
    group_id = SelectField(_l("评价人组别"), coerce=int, validate_choice=False)
    reissue = BooleanField(_l("重新生成已发放的投票码（旧票码作废）"))
    everyone = BooleanField(_l("已开通账号的投票人也发放"))


class CodeEntryForm(SafeForm):
    code = StringField(_l("投票码"), validators=[DataRequired(_l("请输入投票码")), Length(max=40)])
