"""Real receivers the notification tests start on loopback: an SMTP server
(aiosmtpd) and an HTTP server playing a DingTalk robot (it checks the
signature), a 企业微信 robot and an SMS gateway."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
import urllib.parse
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.helpers import free_port


class SMTPServer:
    """aiosmtpd on 127.0.0.1; ``messages`` holds each parsed message with its envelope."""

    def __init__(self) -> None:
        from aiosmtpd.controller import Controller

        self.messages: list = []
        outer = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                mail = message_from_bytes(envelope.original_content, policy=policy.default)
                outer.messages.append((envelope.mail_from, list(envelope.rcpt_tos), mail))
                return "250 OK"

        self.port = free_port()
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)

    def __enter__(self):
        self.controller.start()
        return self

    def __exit__(self, *exc):
        self.controller.stop()


def dingtalk_signature_ok(query: dict, secret: str) -> bool:
    """The robot's check, written from DingTalk's documentation: the timestamp is
    recent and ``sign`` is base64(HMAC-SHA256(secret, "timestamp\\nsecret"))."""
    try:
        timestamp = query["timestamp"][0]
        sign = query["sign"][0]  # parse_qs has undone the URL-encoding
    except (KeyError, IndexError):
        return False
    if abs(time.time() * 1000 - int(timestamp)) > 3600_000:
        return False
    expected = base64.b64encode(
        hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    ).decode()
    return hmac.compare_digest(sign, expected)


class WebhookReceiver:
    """An HTTP server on 127.0.0.1. ``/dingtalk`` answers like a DingTalk robot
    (errcode 310000 for a wrong signature), ``/wecom`` like a 企业微信 robot,
    ``/sms`` like a gateway wanting ``Authorization: Bearer <sms_token>``;
    ``/down`` answers 503. ``received`` lists (path, query, headers, json)."""

    def __init__(self, dingtalk_secret: str = "SEC-test", sms_token: str = "gateway-token") -> None:
        self.received: list = []
        self.dingtalk_secret = dingtalk_secret
        self.sms_token = sms_token
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def do_POST(self):
                parts = urllib.parse.urlsplit(self.path)
                query = urllib.parse.parse_qs(parts.query)
                length = int(self.headers.get("Content-Length") or 0)
                payload = json.loads(self.rfile.read(length) or b"null")
                outer.received.append((parts.path, query, dict(self.headers), payload))
                status, answer = 200, {"errcode": 0, "errmsg": "ok"}
                if parts.path == "/dingtalk" and not dingtalk_signature_ok(query, outer.dingtalk_secret):
                    answer = {"errcode": 310000, "errmsg": "sign not match"}
                elif parts.path == "/sms" and self.headers.get("Authorization") != f"Bearer {outer.sms_token}":
                    status, answer = 401, {"error": "unauthorized"}
                elif parts.path == "/down":
                    status, answer = 503, {"error": "down"}
                body = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self):
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def on(self, path: str) -> list:
        return [r for r in self.received if r[0] == path]
