from flask_babel import lazy_gettext as _l
from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length

from appraisal.platform.inputs import SafeForm


class TenantForm(SafeForm):
    slug = StringField(
        _l("租户代码"),
        validators=[DataRequired(), Length(min=2, max=63)],
        description=_l("用于网址 /t/<代码>/，小写字母开头，只含小写字母、数字和连字符"),
    )
    name = StringField(_l("单位名称"), validators=[DataRequired(), Length(max=200)])
    locale = SelectField(_l("默认语言"), choices=[SelectChoice("zh_Hans", "简体中文"), SelectChoice("en", "English")])
    time_zone = StringField(_l("时区"), default="Asia/Shanghai", validators=[DataRequired(), Length(max=64)])


class AdminForm(SafeForm):
    email = EmailField(_l("管理员邮箱"), validators=[DataRequired(), Email(check_deliverability=False)])
    display_name = StringField(_l("姓名"), default="考核办管理员", validators=[DataRequired(), Length(max=100)])
    password = PasswordField(_l("初始密码"), validators=[DataRequired(), Length(min=10, max=200)])


class ConfirmForm(SafeForm):
    """An empty form: its CSRF token is the confirmation."""
