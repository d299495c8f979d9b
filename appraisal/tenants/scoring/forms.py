"""Forms of the scoring screens (choices that depend on the scheme are set by the view).

Score grids are plain HTML forms read by the view (their fields are the
cells); everything else is WTForms.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired, MultipleFileField
from wtforms import DateField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    Length,
    Optional,
    Regexp,
    ValidationError,
)

from appraisal.platform.inputs import SafeForm

REQUIRED = _l("请填写此项")


def options(pairs) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


class ChoiceField(SelectField):
    """A select whose out-of-list values get a clear Chinese error."""

    def pre_validate(self, form):
        values = [str(c.value if isinstance(c, SelectChoice) else c[0]) for c in (self.choices or [])]
        if self.data is None or str(self.data) not in values:
            raise ValidationError(_l("请从列表中选择"))

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = None


def _long(limit: int):
    return Length(max=limit, message=_l("不能超过 %(max)d 个字符"))


FILES_HINT = _l("可上传 PDF、JPG、PNG、Word（.docx）、Excel（.xlsx），每个文件不超过 %(mb)s MB")


class ClaimForm(SafeForm):
    rule = ChoiceField(_l("加分项目"))
    level = SelectField(_l("级别"), choices=[], validate_choice=False)
    count = StringField(_l("次数"), default="1", validators=[DataRequired(REQUIRED), _long(10)])
    dedup_key = StringField(
        _l("项目或文章名称"),
        validators=[Optional(), _long(200)],
        description=_l("同一项目或文章只按最高级别计分一次，请每次填写相同的名称"),
    )
    shared_with = StringField(
        _l("共同获得的其他单位或个人"),
        validators=[Optional(), _long(1000)],
        description=_l("多个名称用顿号或逗号分隔；共享的加分按方案折算"),
    )
    description = TextAreaField(_l("加分事由"), validators=[DataRequired(REQUIRED), _long(5000)])
    occurred_on = DateField(_l("发生日期"), validators=[Optional()])
    files = MultipleFileField(_l("证明材料"))


class PenaltyForm(SafeForm):
    rule = ChoiceField(_l("扣分项目"))
    level = SelectField(_l("级别"), choices=[], validate_choice=False)
    count = StringField(_l("次数"), default="1", validators=[DataRequired(REQUIRED), _long(10)])
    description = TextAreaField(_l("扣分原因"), validators=[DataRequired(REQUIRED), _long(5000)])
    occurred_on = DateField(_l("发生日期"), validators=[Optional()])
    files = MultipleFileField(_l("证明材料"))


class DecideForm(SafeForm):
    decision = ChoiceField(_l("审核结果"), choices=options([("verify", _l("核实认定")), ("reject", _l("不予认定"))]))
    reason = TextAreaField(
        _l("原因"), validators=[Optional(), _long(2000)], description=_l("不予认定时必须填写，申请人可以看到")
    )


class ReasonForm(SafeForm):
    reason = TextAreaField(_l("原因"), validators=[DataRequired(REQUIRED), _long(2000)])


class VetoForm(SafeForm):
    rule = ChoiceField(_l("否决事项"))
    description = TextAreaField(_l("否决事由"), validators=[DataRequired(REQUIRED), _long(5000)])
    files = MultipleFileField(_l("证明材料"))


class NoticeForm(SafeForm):
    quarter = ChoiceField(
        _l("季度"), coerce=int, choices=options([(q, _l("第 %(q)s 季度", q=q)) for q in (1, 2, 3, 4)])
    )
    title = StringField(_l("标题"), validators=[DataRequired(REQUIRED), _long(300)])
    body = TextAreaField(_l("通报内容"), validators=[Optional(), _long(20000)])


class SelfReportForm(SafeForm):
    body = TextAreaField(_l("述职内容"), validators=[Optional(), _long(50000)])
    files = MultipleFileField(_l("述职文件"))


class EvidenceForm(SafeForm):
    files = MultipleFileField(_l("证明材料"))


class ConfirmUploadForm(SafeForm):
    """ "确认导入" after an upload's preview: the staged file's hash and what the preview showed."""

    digest = HiddenField(validators=[Regexp(r"^[0-9a-f]{64}$")])
    fingerprint = HiddenField(validators=[Regexp(r"^[0-9a-f]{64}$")])
    filename = HiddenField(validators=[Length(max=255)])


class UploadForm(SafeForm):
    file = FileField(_l("评分文件"), validators=[FileRequired(_l("请选择要上传的文件"))])
