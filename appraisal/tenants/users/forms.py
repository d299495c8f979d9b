from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length

from appraisal.platform.inputs import SafeForm

NO_UNIT = SelectChoice("", "—")


class RolesForm(SafeForm):
    """One checkbox or unit per role (the common case; the CLI can grant more)."""

    office_admin = BooleanField(_l("考核办管理员（全部单位）"))
    sector_lead_unit = SelectField(_l("分口考核组组长：所在考核组"), coerce=str, default="", validate_choice=True)
    assessor_unit = SelectField(_l("职能考核部门：所在部门"), coerce=str, default="", validate_choice=True)
    unit_admin_unit = SelectField(_l("单位管理员：所管理单位"), coerce=str, default="", validate_choice=True)
    staff = BooleanField(_l("干部职工（本人）"), default=True)

    def set_unit_choices(self, sector_groups, departments, units) -> None:
        def options(items):
            return [NO_UNIT] + [SelectChoice(str(u.id), f"{u.name}（{u.code}）") for u in items]

        self.sector_lead_unit.choices = options(sector_groups)
        self.assessor_unit.choices = options(departments)
        self.unit_admin_unit.choices = options(units)


class UserForm(RolesForm):
    email = EmailField(_l("登录邮箱"), validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)])
    display_name = StringField(_l("姓名"), validators=[DataRequired(), Length(max=100)])
    password = PasswordField(
        _l("初始密码"),
        validators=[DataRequired(), Length(min=10, max=200)],
        description=_l("至少 10 个字符，同时包含字母和数字；请当面或电话告知本人"),
    )


class EditUserForm(RolesForm):
    display_name = StringField(_l("姓名"), validators=[DataRequired(), Length(max=100)])


class ResetPasswordForm(SafeForm):
    password = PasswordField(_l("新密码"), validators=[DataRequired(), Length(min=10, max=200)])


class ConfirmForm(SafeForm):
    """An empty form whose CSRF token confirms a button press."""
