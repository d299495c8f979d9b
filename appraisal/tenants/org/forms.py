"""Forms of the org screens (choices that depend on the user are set by the view)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import HiddenField, IntegerField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    Email,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)

from appraisal.platform.inputs import SafeForm
from appraisal.tenants.org import services
from appraisal.tenants.org.services import (
    CATEGORY_LABELS,
    LEADER_LABELS,
    UNIT_KIND_LABELS,
)

REQUIRED = _l("请填写此项")
CODE_PATTERN = r"^[A-Za-z0-9_.\-]+$"
CODE_MESSAGE = _l("编码只能包含字母、数字和 - _ .")


def options(pairs) -> list[SelectChoice]:
    """Select choices from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


def _too_long(limit: int):
    return Length(max=limit, message=_l("不能超过 %(max)d 个字符"))


class ChoiceField(SelectField):
    """A select whose out-of-list values get a clear Chinese error."""

    def __init__(self, *args, invalid_message=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.invalid_message = invalid_message or _l("请从列表中选择")

    def pre_validate(self, form):
        values = [str(value) for value, *_ in (self.choices or [])]
        if self.data is None or str(self.data) not in values:
            raise ValidationError(self.invalid_message)

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = None


def _sort_order_field():
    return IntegerField(
        _l("排序"),
        default=0,
        validators=[Optional(), NumberRange(min=-99999, max=99999, message=_l("请输入 -99999 到 99999 之间的整数"))],
        description=_l("数字小的排在前面"),
    )


class UnitForm(SafeForm):
    code = StringField(
        _l("单位编码"),
        validators=[DataRequired(REQUIRED), _too_long(services.MAX_CODE), Regexp(CODE_PATTERN, message=CODE_MESSAGE)],
        description=_l("本单位在名册中的唯一编码，导入名册时按编码匹配"),
    )
    name = StringField(_l("单位名称"), validators=[DataRequired(REQUIRED), _too_long(services.MAX_UNIT_NAME)])
    kind = ChoiceField(_l("类型"))
    parent_id = ChoiceField(
        _l("上级单位"), coerce=int, invalid_message=_l("不能移到该单位之下：超出您的管理范围，或会形成循环")
    )
    sort_order = _sort_order_field()

    def set_kinds(self, kinds) -> None:
        self.kind.choices = options((k.value, UNIT_KIND_LABELS[k]) for k in kinds)


class PersonForm(SafeForm):
    staff_no = StringField(
        _l("工号"),
        validators=[
            DataRequired(REQUIRED),
            _too_long(services.MAX_STAFF_NO),
            Regexp(CODE_PATTERN, message=_l("工号只能包含字母、数字和 - _ .")),
        ],
        description=_l("人员在本租户内的唯一编号，导入名册时按工号匹配"),
    )
    name = StringField(_l("姓名"), validators=[DataRequired(REQUIRED), _too_long(services.MAX_PERSON_NAME)])
    unit_id = ChoiceField(_l("所在单位"), coerce=int, invalid_message=_l("请选择您有权管理的单位"))
    category = ChoiceField(_l("人员类别"), choices=options((k.value, v) for k, v in CATEGORY_LABELS.items()))
    position = StringField(_l("职务"), validators=[Optional(), _too_long(services.MAX_POSITION)])
    leader_role = ChoiceField(
        _l("领导职务"), choices=options((k.value, v) for k, v in LEADER_LABELS.items()), default="none"
    )
    sort_order = _sort_order_field()


class LinkUserForm(SafeForm):
    email = StringField(
        _l("登录账号（邮箱）"),
        validators=[Optional(), Email(message=_l("请输入有效的邮箱地址")), Length(max=254)],
        description=_l("留空并保存即取消关联"),
    )


class ConfirmImportForm(SafeForm):
    """ "确认导入" after a preview: the staged file's hash and what the preview showed."""

    digest = HiddenField(validators=[DataRequired(), Regexp(r"^[0-9a-f]{64}$")])
    fingerprint = HiddenField(validators=[DataRequired(), Regexp(r"^[0-9a-f]{64}$")])
    filename = HiddenField(validators=[Length(max=255)])


class ImportForm(SafeForm):
    file = FileField(
        _l("名册文件"),
        validators=[
            FileRequired(_l("请选择要导入的文件")),
            FileAllowed(["xlsx", "csv", "xls"], _l("只支持 .xlsx 或 .csv 文件")),
        ],
    )


class PeopleFilterForm(SafeForm):
    """The GET filters of people lists (no CSRF: it changes nothing)."""

    class Meta:
        csrf = False

    q = StringField(_l("姓名或工号"), validators=[Optional(), Length(max=100)])
    category = SelectField(
        _l("类别"),
        choices=options([("", _l("全部类别"))] + [(k.value, v) for k, v in CATEGORY_LABELS.items()]),
        validate_choice=False,
    )
    status = SelectField(
        _l("状态"),
        choices=options([("active", _l("在职")), ("inactive", _l("已停用")), ("all", _l("全部"))]),
        validate_choice=False,
        default="active",
    )
