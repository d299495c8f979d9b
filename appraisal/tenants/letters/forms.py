from flask_babel import lazy_gettext as _l
from wtforms import DecimalField, IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional
from wtforms.widgets import HiddenInput

from appraisal.platform.inputs import SafeForm


class ItemForm(SafeForm):
    title = StringField(_l("目标名称"), validators=[DataRequired(), Length(max=500)])
    points = DecimalField(_l("分值"), places=2, validators=[DataRequired(), NumberRange(min=0.01, max=1000)])
    measure = TextAreaField(_l("考核标准与评分办法"), validators=[Length(max=4000)])
    evidence_required = TextAreaField(_l("需提供的佐证材料"), validators=[Length(max=2000)])


class DecisionForm(SafeForm):
    reason = TextAreaField(_l("退回原因"), validators=[Length(max=2000)])
    # the letter's version the reviewer saw: a stale review is refused; a garbled one is a 400
    version = IntegerField(widget=HiddenInput(), validators=[Optional()])


class ReopenForm(SafeForm):
    reason = TextAreaField(_l("重新打开的原因"), validators=[DataRequired(), Length(max=2000)])
