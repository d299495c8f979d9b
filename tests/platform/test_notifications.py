"""The notification service: inbox, channels against real receivers (SMTP,
robots, an SMS gateway on loopback), retries and the delivery log, settings
sealed and never shown back, and tenants kept apart."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from appraisal.platform import notifications
from appraisal.platform.db import db
from appraisal.platform.notifications import channels
from appraisal.platform.notifications.models import Delivery, Notification, TenantSettings
from appraisal.platform.tenancy import tenant_scope, unscoped
from tests.helpers import login

notifications.register_kind("test.event", "测试事项")


def _send(tenant, users, **kw):
    with tenant_scope(tenant):
        made = notifications.notify(
            tenant,
            users,
            kw.pop("kind", "test.event"),
            kw.pop("title", "请审核责任书"),
            kw.pop("body", "市财政局提交了目标责任书，请审核。"),
            kw.pop("link", "/t/x/letters/1"),
            **kw,
        )
        ids = [n.id for n in made]
        db.session.commit()
    notifications.dispatch_ready()
    return ids


def _deliveries(tenant):
    with tenant_scope(tenant):
        return list(db.session.scalars(select(Delivery).order_by(Delivery.id)))


def _settings(tenant, defaults=None, **creds):
    with tenant_scope(tenant):
        notifications.save_settings(defaults or {}, "", creds, set())
        db.session.commit()


def test_email_reaches_a_real_smtp_server_with_a_chinese_subject_and_both_parts(
    app, smtp_server, make_tenant, make_user
):
    tenant = make_tenant()
    user = make_user(tenant, "staff", email="lead@example.cn")
    _send(tenant, [user], kind="test.event")
    assert len(smtp_server.messages) == 1
    sender, rcpts, mail = smtp_server.messages[0]
    assert rcpts == ["lead@example.cn"] and sender == "kaohe@example.cn"
    assert mail["Subject"] == "请审核责任书"
    assert "=?utf-8?" in mail.as_string().split("\n\n", 1)[0].lower()  # encoded on the wire
    plain = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    assert "市财政局提交了目标责任书" in plain and "https://kaohe.example.cn/t/x/letters/1" in plain
    assert '<a href="https://kaohe.example.cn/t/x/letters/1">' in html
    (delivery,) = _deliveries(tenant)
    assert (delivery.channel, delivery.status, delivery.attempts) == ("email", "sent", 1)
    assert delivery.target == "le***@example.cn"


def test_an_unreachable_smtp_server_is_retried_then_logged_in_chinese(app, smtp_server, make_tenant, make_user):
    from tests.helpers import free_port

    app.config["SMTP_PORT"] = free_port()  # nobody listens
    tenant = make_tenant()
    user = make_user(tenant, "staff")
    _send(tenant, [user])
    (delivery,) = _deliveries(tenant)
    assert delivery.status == "failed"
    assert delivery.attempts == 3  # the first try and the two retries of NOTIFY_RETRY_SECONDS="1,1"
    assert "连接邮件服务器" in delivery.error
    assert smtp_server.messages == []


def test_dingtalk_robot_gets_one_signed_message_per_event(app, webhooks, make_tenant, make_user):
    tenant = make_tenant()
    a, b = make_user(tenant, "staff", name="张三"), make_user(tenant, "staff", name="李四")
    _settings(
        tenant,
        {"test.event": ["dingtalk"]},
        dingtalk_url=f"{webhooks.url}/dingtalk?access_token=abc",
        dingtalk_secret=webhooks.dingtalk_secret,
    )
    _send(tenant, [a, b])
    (hit,) = webhooks.on("/dingtalk")
    _path, query, _headers, payload = hit
    assert query["access_token"] == ["abc"] and "sign" in query
    assert payload["msgtype"] == "markdown" and payload["markdown"]["title"] == "请审核责任书"
    assert "张三、李四" in payload["markdown"]["text"]
    (delivery,) = _deliveries(tenant)
    assert (delivery.channel, delivery.status) == ("dingtalk", "sent")


def test_a_wrong_dingtalk_secret_is_refused_by_the_robot_and_logged(app, webhooks, make_tenant, make_user):
    tenant = make_tenant()
    user = make_user(tenant, "staff")
    _settings(tenant, {"test.event": ["dingtalk"]}, dingtalk_url=f"{webhooks.url}/dingtalk", dingtalk_secret="wrong")
    _send(tenant, [user])
    (delivery,) = _deliveries(tenant)
    assert delivery.status == "failed" and delivery.attempts == 3
    assert "机器人拒绝消息（错误码 310000）" in delivery.error
    assert len(webhooks.on("/dingtalk")) == 3


def test_wecom_robot_and_sms_gateway(app, webhooks, make_tenant, make_user):
    tenant = make_tenant()
    user = make_user(tenant, "staff")
    _settings(
        tenant,
        {"test.event": ["wecom", "sms"]},
        wecom_url=f"{webhooks.url}/wecom?key=k1",
        sms_url=f"{webhooks.url}/sms",
        sms_token=webhooks.sms_token,
    )
    with tenant_scope(tenant):
        notifications.save_profile(user.id, {}, "13800001234")
        db.session.commit()
    _send(tenant, [user])
    (wecom,) = webhooks.on("/wecom")
    assert wecom[3]["msgtype"] == "markdown" and "请审核责任书" in wecom[3]["markdown"]["content"]
    (sms,) = webhooks.on("/sms")
    assert sms[3]["mobile"] == "13800001234" and "请审核责任书" in sms[3]["text"]
    assert {(d.channel, d.status) for d in _deliveries(tenant)} == {("wecom", "sent"), ("sms", "sent")}
    sms_row = next(d for d in _deliveries(tenant) if d.channel == "sms")
    assert sms_row.target == "138****1234"


def test_the_users_choice_wins_over_the_offices_default(app, smtp_server, webhooks, make_tenant, make_user):
    tenant = make_tenant()
    keen, quiet = make_user(tenant, "staff"), make_user(tenant, "staff")
    _settings(tenant, {"test.event": ["email"]})
    with tenant_scope(tenant):
        notifications.save_profile(quiet.id, {"test.event": []}, "")
        db.session.commit()
    _send(tenant, [keen, quiet])
    assert [m[1] for m in smtp_server.messages] == [[keen.email]]
    with tenant_scope(tenant):  # both have it in their inbox
        assert db.session.scalar(select(Notification).where(Notification.user_id == quiet.id)) is not None


def test_credentials_are_sealed_and_never_shown_back(app, client, make_tenant, make_user):
    tenant = make_tenant()
    office = make_user(tenant, "office_admin")
    _settings(
        tenant, dingtalk_url="https://oapi.dingtalk.com/robot/send?access_token=TOKEN123", dingtalk_secret="SECxyz"
    )
    with unscoped():
        raw = db.session.scalar(select(TenantSettings.sealed_credentials))
    assert b"SECxyz" not in raw and b"TOKEN123" not in raw
    login(client, tenant, office)
    page = client.get(f"/t/{tenant.slug}/notifications/settings").get_data(as_text=True)
    assert "SECxyz" not in page and "TOKEN123" not in page and "已设置（留空不修改）" in page
    # a blank field keeps the stored value; a bad address is refused beside its field, nothing saved
    response = client.post(
        f"/t/{tenant.slug}/notifications/settings", data={"wecom_url": "ftp://x", "reminder_offsets": "7,3"}
    )
    assert response.status_code == 422 and "地址须以 https:// 或 http:// 开头" in response.get_data(as_text=True)
    response = client.post(f"/t/{tenant.slug}/notifications/settings", data={"reminder_offsets": "5,1"})
    assert response.status_code == 302
    with tenant_scope(tenant):
        assert notifications.credentials()["dingtalk_secret"] == "SECxyz"
        assert notifications.reminder_offsets() == (5, 1)


def test_inbox_badge_mark_read_and_read_all(app, client, make_tenant, make_user):
    tenant = make_tenant()
    user, other = make_user(tenant, "staff"), make_user(tenant, "staff")
    first, second = _send(tenant, [user])[0], _send(tenant, [user], title="第二条")[0]
    theirs = _send(tenant, [other], title="别人的")[0]
    login(client, tenant, user)
    home = client.get(f"/t/{tenant.slug}/").get_data(as_text=True)
    assert 'class="count-badge"' in home and ">2<" in home
    inbox = client.get(f"/t/{tenant.slug}/notifications/").get_data(as_text=True)
    assert "请审核责任书" in inbox and "第二条" in inbox and "别人的" not in inbox
    assert client.post(f"/t/{tenant.slug}/notifications/{theirs}/read").status_code == 403
    response = client.post(f"/t/{tenant.slug}/notifications/{first}/open")
    assert response.status_code == 302 and response.headers["Location"].endswith("/t/x/letters/1")
    with tenant_scope(tenant):
        assert notifications.unread_count(user.id) == 1
        assert notifications.unread_count(other.id) == 1
    client.post(f"/t/{tenant.slug}/notifications/read-all")
    with tenant_scope(tenant):
        assert notifications.unread_count(user.id) == 0
        assert notifications.unread_count(other.id) == 1  # only one's own
    assert second


def test_a_link_to_another_site_is_not_followed(app, client, make_tenant, make_user):
    tenant = make_tenant()
    user = make_user(tenant, "staff")
    note = _send(tenant, [user], link="//evil.example/x")[0]
    login(client, tenant, user)
    response = client.post(f"/t/{tenant.slug}/notifications/{note}/open")
    assert response.headers["Location"].endswith(f"/t/{tenant.slug}/notifications/")


def test_dedupe_key_and_tenants_apart(app, make_tenant, make_user):
    a, b = make_tenant(), make_tenant()
    ua, ub = make_user(a, "staff"), make_user(b, "staff")
    assert len(_send(a, [ua], dedupe_key="reminder:1:7")) == 1
    assert _send(a, [ua], dedupe_key="reminder:1:7") == []  # never twice
    assert _send(a, [ub]) == []  # another tenant's user is not a recipient
    assert len(_send(b, [ub], dedupe_key="reminder:1:7")) == 1  # the same key in another tenant is another event
    with tenant_scope(a):
        assert [n.user_id for n in db.session.scalars(select(Notification))] == [ua.id]


def test_delivery_log_page_shows_attempts_and_the_error(app, client, webhooks, make_tenant, make_user):
    tenant = make_tenant()
    office, user = make_user(tenant, "office_admin"), make_user(tenant, "staff")
    _settings(tenant, {"test.event": ["wecom"]}, wecom_url=f"{webhooks.url}/down")
    _send(tenant, [user])
    login(client, tenant, office)
    page = client.get(f"/t/{tenant.slug}/notifications/deliveries").get_data(as_text=True)
    assert "企业微信群机器人" in page and "发送失败" in page and "对方返回 HTTP 503" in page
    other = app.test_client()
    login(other, tenant, user)
    assert other.get(f"/t/{tenant.slug}/notifications/deliveries").status_code == 403


def test_dingtalk_sign_matches_the_documented_example():
    # computed independently: base64(HMAC-SHA256(key="SEC", "1700000000000\nSEC")), URL-encoded
    import base64
    import hashlib
    import hmac
    import urllib.parse

    expected = urllib.parse.quote_plus(
        base64.b64encode(hmac.new(b"SEC", b"1700000000000\nSEC", hashlib.sha256).digest()).decode()
    )
    assert channels.dingtalk_sign("SEC", 1700000000000) == expected


@pytest.mark.services
def test_with_redis_deliveries_are_rq_jobs_and_retries_wait_in_rqs_scheduler(
    app_factory, redis_url, make_tenant, make_user
):
    import time

    from rq import SimpleWorker

    from appraisal.platform import jobs
    from tests.helpers import free_port
    from tests.receivers import SMTPServer

    tenant = make_tenant()
    user = make_user(tenant, "staff")
    with SMTPServer() as smtp:
        rq_app = app_factory(
            REDIS_URL=redis_url,
            SMTP_HOST="127.0.0.1",
            SMTP_PORT=free_port(),  # down at first
            SMTP_SECURITY="none",
            SMTP_FROM="kaohe@example.cn",
            NOTIFY_RETRY_SECONDS="1",
        )
        with rq_app.app_context():
            _send(tenant, [user])
            queue = jobs.queue()
            assert queue.count == 1 and smtp.messages == []  # queued, not sent in the request
            SimpleWorker([queue], connection=queue.connection).work(burst=True)
            (delivery,) = _deliveries(tenant)
            assert (delivery.status, delivery.attempts) == ("pending", 1) and "连接邮件服务器" in delivery.error
            assert len(queue.scheduled_job_registry.get_job_ids()) == 1  # the retry waits in RQ's scheduler
            rq_app.config["SMTP_PORT"] = smtp.port  # the server is back
            time.sleep(1.5)
            SimpleWorker([queue], connection=queue.connection).work(burst=True, with_scheduler=True)
            (delivery,) = _deliveries(tenant)
            assert (delivery.status, delivery.attempts) == ("sent", 2)
            assert len(smtp.messages) == 1
