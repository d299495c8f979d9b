from flask_babel import lazy_gettext as _l
from wtforms import PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length

from appraisal.platform.inputs import SafeForm


class LoginForm(SafeForm):
    email = StringField(_l("账号（邮箱）"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("密码"), validators=[DataRequired(), Length(max=200)])


class PasswordChangeForm(SafeForm):
    current = PasswordField(_l("当前密码"), validators=[DataRequired()])
    new = PasswordField(_l("新密码"), validators=[DataRequired(), Length(min=10, max=200)])
    confirm = PasswordField(
        _l("确认新密码"), validators=[DataRequired(), EqualTo("new", message=_l("两次输入的密码不一致"))]
    )


class LocaleForm(SafeForm):
    locale = SelectField(_l("界面语言"), choices=[SelectChoice("zh_Hans", "简体中文"), SelectChoice("en", "English")])


class OrganisationForm(SafeForm):
    slug = StringField(_l("单位代码"), validators=[DataRequired(), Length(max=63)])
