from flask_babel import lazy_gettext as _l
from wtforms import DateField, IntegerField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp

from appraisal.platform.inputs import SafeForm
from appraisal.tenants.org.models import PersonCategory, UnitKind

UNIT_KIND_CHOICES = [
    SelectChoice(UnitKind.DEPARTMENT.value, _l("部门")),
    SelectChoice(UnitKind.DISTRICT.value, _l("区县")),
    SelectChoice(UnitKind.SECTION.value, _l("科室")),
]
CATEGORY_CHOICES = [
    SelectChoice(PersonCategory.CITY_CADRE.value, _l("市管干部")),
    SelectChoice(PersonCategory.COUNTY_LEVEL.value, _l("县级干部")),
    SelectChoice(PersonCategory.SECTION_LEVEL.value, _l("科级及以下")),
    SelectChoice(PersonCategory.GENERAL_STAFF.value, _l("一般干部")),
    SelectChoice(PersonCategory.TRAINEE.value, _l("见习人员")),
    SelectChoice(PersonCategory.SECONDED.value, _l("挂职干部")),
]
RANKING_CHOICES = [
    SelectChoice("parent", _l("按上级单位（分口考核组）分组排名")),
    SelectChoice("kind", _l("按单位类型分组排名")),
    SelectChoice("category", _l("按人员类别分组排名")),
    SelectChoice("unit", _l("按所在单位分组排名")),
    SelectChoice("all", _l("全部一起排名")),
]


class CycleForm(SafeForm):
    year = IntegerField(_l("考核年度"), validators=[DataRequired(), NumberRange(2000, 2100)])
    name = StringField(_l("名称"), validators=[DataRequired(), Length(max=200)])
    letters_due = DateField(_l("目标责任书截止日期"), validators=[Optional()], description=_l("留空为当年 3 月 15 日"))
    previous = SelectField(_l("上一考核年度（用于连续两年不合格等标记和同比）"), coerce=str, default="")


class PhaseForm(SafeForm):
    to = SelectField(_l("变更到"), coerce=str)
    reason = TextAreaField(_l("原因（退回时必填）"), validators=[Length(max=2000)])


class PopulationForm(SafeForm):
    name = StringField(
        _l("名称"),
        validators=[DataRequired(), Length(max=200)],
        description=_l("例如：市直部门、区（市）、市财政局干部职工"),
    )
    key = StringField(
        _l("标识"),
        validators=[
            DataRequired(),
            Length(max=64),
            Regexp(r"^[a-z][a-z0-9_-]*$", message=_l("小写字母开头，只含小写字母、数字、- 和 _")),
        ],
    )
    scheme_version = SelectField(_l("考核方案（版本）"), coerce=str, validators=[DataRequired()])
    unit_kinds = SelectMultipleField(_l("考核单位类型（单位方案）"), choices=UNIT_KIND_CHOICES, default=["department"])
    categories = SelectMultipleField(_l("人员类别（个人方案）"), choices=CATEGORY_CHOICES, default=[])
    under = SelectField(_l("范围：某单位及其下属"), coerce=str, default="")
    ranking = SelectField(_l("排名分组"), choices=RANKING_CHOICES, default="parent")
    owner = SelectField(
        _l("组织单位"),
        coerce=str,
        default="",
        description=_l(
            "部门组织本单位干部职工考核时选择该部门：其管理员评分、测评、计算并先看结果；"
            "留空为考核办组织。部门自己采用的方案默认由该部门组织。"
        ),
    )
