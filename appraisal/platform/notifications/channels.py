"""The delivery channels: e-mail over SMTP, DingTalk / 政务钉钉 and 企业微信 group
robots, and a generic JSON webhook (an SMS gateway).

Each sender takes the message and what it needs (the address, the tenant's
credentials, the app's settings) and returns quietly or raises
:class:`ChannelError` with a Chinese message for the delivery log.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import smtplib
import ssl
import time
import urllib.parse
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from html import escape
from typing import Any

import requests  # type: ignore[import-untyped,unused-ignore]  # typed from requests 2.33 on; older ones have no stubs
from flask_babel import gettext as _

#: Channels, in the order the settings pages show them. ``inbox`` is always on.
INBOX, EMAIL, SMS, DINGTALK, WECOM = "inbox", "email", "sms", "dingtalk", "wecom"
CHANNELS = (INBOX, EMAIL, SMS, DINGTALK, WECOM)
#: Robots post to a group: one message per event, not one per recipient.
GROUP_CHANNELS = frozenset({DINGTALK, WECOM})
HTTP_TIMEOUT = 10


class ChannelError(RuntimeError):
    """A delivery failed; the message (Chinese) goes to the delivery log."""


@dataclass(frozen=True)
class Message:
    title: str
    body: str
    link: str  # absolute when PUBLIC_URL is set
    kind_label: str
    recipients: str = ""  # a group robot's message says whom it is for
    deadline: str = ""


def _text(message: Message) -> str:
    lines = [message.title, "", message.body]
    if message.deadline:
        lines += ["", _("截止时间：%(at)s", at=message.deadline)]
    if message.recipients:
        lines += ["", _("接收人：%(names)s", names=message.recipients)]
    if message.link:
        lines += ["", message.link]
    return "\n".join(line for line in lines if line is not None)


def _markdown(message: Message) -> str:
    lines = [f"#### {message.title}", "", message.body]
    if message.deadline:
        lines += ["", _("截止时间：%(at)s", at=message.deadline)]
    if message.recipients:
        lines += ["", _("接收人：%(names)s", names=message.recipients)]
    if message.link:
        lines += ["", f"[{_('打开平台查看')}]({message.link})"]
    return "\n".join(lines)


# ---------------------------------------------------------------------------
# E-mail
# ---------------------------------------------------------------------------


def send_email(message: Message, to: str, config: Any) -> None:
    host = config.get("SMTP_HOST")
    if not host:
        raise ChannelError(_("服务器未配置邮件发送（SMTP_HOST 未设置）"))
    sender = config.get("SMTP_FROM") or config.get("SMTP_USER") or ""
    if not sender:
        raise ChannelError(_("服务器未设置发件人地址（SMTP_FROM）"))
    mail = EmailMessage()
    mail["Subject"] = message.title  # encoded (RFC 2047) by the policy: a Chinese subject
    mail["From"] = formataddr((config.get("SMTP_FROM_NAME") or _("考核平台"), sender))
    mail["To"] = to
    mail["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    mail.set_content(_text(message))
    html_body = "".join(f"<p>{escape(p)}</p>" for p in message.body.split("\n") if p.strip())
    extra = ""
    if message.deadline:
        extra += f"<p>{escape(_('截止时间：%(at)s', at=message.deadline))}</p>"
    if message.link:
        extra += f'<p><a href="{escape(message.link)}">{escape(_("打开平台查看"))}</a></p>'
    mail.add_alternative(
        f'<!doctype html><html lang="zh-Hans"><body><h3>{escape(message.title)}</h3>{html_body}{extra}</body></html>',
        subtype="html",
    )
    security = (config.get("SMTP_SECURITY") or "starttls").lower()
    port = int(config.get("SMTP_PORT") or (465 if security == "ssl" else 587))
    timeout = float(config.get("SMTP_TIMEOUT") or 15)
    try:
        if security == "ssl":
            server: smtplib.SMTP = smtplib.SMTP_SSL(host, port, timeout=timeout, context=ssl.create_default_context())
        else:
            server = smtplib.SMTP(host, port, timeout=timeout)
        with server:
            if security == "starttls":
                server.starttls(context=ssl.create_default_context())
            if config.get("SMTP_USER"):
                server.login(config["SMTP_USER"], config.get("SMTP_PASSWORD") or "")
            server.send_message(mail)
    except smtplib.SMTPAuthenticationError as exc:
        raise ChannelError(_("邮件服务器拒绝登录（用户名或密码错误）：%(code)s", code=exc.smtp_code)) from exc
    except smtplib.SMTPRecipientsRefused as exc:
        raise ChannelError(_("邮件服务器拒收该收件地址：%(to)s", to=to)) from exc
    except smtplib.SMTPException as exc:
        raise ChannelError(_("邮件发送失败：%(error)s", error=str(exc)[:300])) from exc
    except (OSError, ssl.SSLError) as exc:
        raise ChannelError(
            _("连接邮件服务器 %(host)s:%(port)s 失败：%(error)s", host=host, port=port, error=str(exc)[:200])
        ) from exc


# ---------------------------------------------------------------------------
# Robots and webhooks
# ---------------------------------------------------------------------------


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk's robot signature: HMAC-SHA256 of "timestamp\\nsecret" keyed by
    the secret, base64, URL-encoded."""
    to_sign = f"{timestamp_ms}\n{secret}".encode()
    digest = hmac.new(secret.encode(), to_sign, hashlib.sha256).digest()
    return urllib.parse.quote_plus(base64.b64encode(digest))


def _with_params(url: str, **params: str) -> str:
    parts = urllib.parse.urlsplit(url)
    query = parts.query + ("&" if parts.query else "") + "&".join(f"{k}={v}" for k, v in params.items())
    return urllib.parse.urlunsplit(parts._replace(query=query))


def _post(url: str, payload: dict, *, headers: dict | None = None, robot: bool) -> None:
    try:
        response = requests.post(url, json=payload, headers=headers or {}, timeout=HTTP_TIMEOUT)
    except requests.RequestException as exc:
        host = urllib.parse.urlsplit(url).netloc
        raise ChannelError(_("连接 %(host)s 失败：%(error)s", host=host, error=type(exc).__name__)) from exc
    if response.status_code >= 300:
        raise ChannelError(
            _("对方返回 HTTP %(status)s：%(text)s", status=response.status_code, text=response.text[:200])
        )
    if robot:  # robots answer 200 with an error code in the body
        try:
            answer = response.json()
        except ValueError as exc:
            raise ChannelError(_("机器人的回复不是 JSON：%(text)s", text=response.text[:200])) from exc
        if answer.get("errcode", 0) != 0:
            raise ChannelError(
                _(
                    "机器人拒绝消息（错误码 %(code)s）：%(text)s",
                    code=answer.get("errcode"),
                    text=str(answer.get("errmsg", ""))[:200],
                )
            )


def send_dingtalk(message: Message, credentials: dict[str, str]) -> None:
    url = credentials.get("dingtalk_url", "")
    if not url:
        raise ChannelError(_("考核办未设置钉钉机器人的 Webhook 地址"))
    secret = credentials.get("dingtalk_secret", "")
    if secret:
        timestamp = int(time.time() * 1000)
        url = _with_params(url, timestamp=str(timestamp), sign=dingtalk_sign(secret, timestamp))
    payload = {"msgtype": "markdown", "markdown": {"title": message.title, "text": _markdown(message)}}
    _post(url, payload, robot=True)


def send_wecom(message: Message, credentials: dict[str, str]) -> None:
    url = credentials.get("wecom_url", "")
    if not url:
        raise ChannelError(_("考核办未设置企业微信机器人的 Webhook 地址"))
    _post(url, {"msgtype": "markdown", "markdown": {"content": _markdown(message)}}, robot=True)


def send_sms(message: Message, mobile: str, credentials: dict[str, str]) -> None:
    url = credentials.get("sms_url", "")
    if not url:
        raise ChannelError(_("考核办未设置短信网关地址"))
    if not mobile:
        raise ChannelError(_("接收人未填写手机号码"))
    headers = {}
    if credentials.get("sms_token"):
        headers["Authorization"] = f"Bearer {credentials['sms_token']}"
    payload = {"mobile": mobile, "title": message.title, "text": _text(message), "link": message.link}
    _post(url, payload, headers=headers, robot=False)


def mask(value: str) -> str:
    """An address for the delivery log: enough to recognise, not to harvest."""
    if "@" in value:
        name, _sep, domain = value.partition("@")
        return f"{name[:2]}***@{domain}"
    if len(value) >= 7:
        return f"{value[:3]}****{value[-4:]}"
    return value
