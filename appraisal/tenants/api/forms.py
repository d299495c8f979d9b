from __future__ import annotations

from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from appraisal.platform.inputs import SafeForm


class Checkboxes(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class TokenForm(SafeForm):
    name = StringField(
        _l("令牌名称"),
        validators=[DataRequired(), Length(max=100)],
        description=_l("审计日志用它标明每次写入来自哪个系统，例如“统计局数据接口”"),
    )
    scopes = Checkboxes(_l("权限范围"), choices=[], validate_choice=True)
    assessor_unit = SelectField(
        _l("录入得分的考核部门"),
        coerce=str,
        default="",
        validate_choice=True,
        description=_l("选择“录入得分”时必填：令牌只能录入该部门负责的指标"),
    )
    expires_on = DateField(
        _l("有效期至"),
        validators=[DataRequired()],
        default=lambda: date.today() + timedelta(days=365),
        description=_l("最长两年；到期后令牌自动失效"),
    )


class ConfirmForm(SafeForm):
    pass
