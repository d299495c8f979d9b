"""Forms of the notification pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import PasswordField, StringField
from wtforms.validators import Length, Optional, Regexp

from appraisal.platform.inputs import SafeForm


class ProfileForm(SafeForm):
    """The channel choices come as checkboxes ``ch-<kind>-<channel>`` read from the request."""

    mobile = StringField(
        _l("手机号码（短信）"),
        validators=[
            Optional(),
            Regexp(r"^\+?[0-9]{6,20}$", message=_l("手机号码只能包含数字（可带开头的 +），6–20 位")),
        ],
    )


class SettingsForm(SafeForm):
    reminder_offsets = StringField(
        _l("提醒时间（截止前天数，负数为截止后）"),
        validators=[
            Optional(),
            Length(max=100),
            Regexp(r"^\s*-?\d{1,3}(\s*,\s*-?\d{1,3})*\s*$", message=_l("请填写以逗号分隔的整数，例如 7,3,1,-1")),
        ],
    )
    dingtalk_url = StringField(_l("钉钉 / 政务钉钉机器人 Webhook 地址"), validators=[Optional(), Length(max=500)])
    dingtalk_secret = PasswordField(_l("钉钉机器人加签密钥"), validators=[Optional(), Length(max=200)])
    wecom_url = StringField(_l("企业微信机器人 Webhook 地址"), validators=[Optional(), Length(max=500)])
    sms_url = StringField(_l("短信网关 Webhook 地址"), validators=[Optional(), Length(max=500)])
    sms_token = PasswordField(_l("短信网关令牌"), validators=[Optional(), Length(max=200)])
