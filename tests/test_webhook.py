"""The helpdesk webhook: signatures, payload errors, the reply text and the Zammad note."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from local_servers import free_port

SECRET = "whsec-test-1f9a"
TICKET = {
    "ticket_id": 4711,
    "subject": "Drucker druckt nicht <script>alert(1)</script>",
    "body": "Hallo, seit heute druckt der Drucker nicht mehr, der Virenscanner meldet etwas.",
    "customer_email": "kunde@example.com",
    "customer_name": "Frau Krämer",
}


def sign(body: bytes, secret: str = SECRET, algorithm: str = "sha256") -> str:
    return f"{algorithm}=" + hmac.new(secret.encode(), body, getattr(hashlib, algorithm)).hexdigest()


@pytest.fixture
def hook(make_app):
    """A client of the app with the webhook's secret."""
    return make_app(webhook_secret=SECRET).test_client()


def post(client, body: bytes, headers: dict[str, str], content_type: str = "application/json"):
    return client.post("/api/webhook/ticket", data=body, headers=headers, content_type=content_type)


@pytest.mark.parametrize(
    ("header", "algorithm"),
    [("X-Hub-Signature-256", "sha256"), ("X-Level0-Signature", "sha256"), ("X-Hub-Signature", "sha1")],
)
def test_signed_ticket_gets_triage_and_reply(hook, header, algorithm):
    body = json.dumps(TICKET).encode()
    response = post(hook, body, {header: sign(body, algorithm=algorithm)})
    assert response.status_code == 200, response.get_data(as_text=True)
    data = response.get_json()
    assert data["ticket_id"] == 4711
    assert data["triage"]["category"] in {"bug", "infrastructure", "consulting"}
    assert data["reply"]["language"] == "de"
    assert data["reply"]["plain"].strip() and data["reply"]["html"].strip()
    assert "http://127.0.0.1:8000/faq/drucker/" in data["reply"]["plain"]
    assert "<script>" not in data["reply"]["html"]
    assert data["note_posted"] is None  # no Zammad configured


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-Hub-Signature-256": "sha256=" + "0" * 64},
        {"X-Hub-Signature-256": sign(b"another body")},
        {"X-Hub-Signature-256": sign(json.dumps(TICKET).encode(), secret="wrong")},
        {"X-Hub-Signature-256": "md5=abc"},
        {"X-Hub-Signature-256": "garbage"},
    ],
)
def test_missing_or_wrong_signature_is_401(hook, headers):
    response = post(hook, json.dumps(TICKET).encode(), headers)
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"


def test_without_a_configured_secret_every_call_is_401(client):
    body = json.dumps(TICKET).encode()
    assert post(client, body, {"X-Hub-Signature-256": sign(body)}).status_code == 401


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        (b"{not json", "application/json", 400),
        (b"\xff\xfe", "application/json", 400),
        (b"[1, 2]", "application/json", 422),
        (json.dumps({"ticket_id": 1, "subject": "x"}).encode(), "application/json", 422),
        (json.dumps({**TICKET, "body": 7}).encode(), "application/json", 422),
        (json.dumps(TICKET).encode(), "text/plain", 415),
    ],
)
def test_signed_but_bad_payloads_get_their_4xx_error(hook, body, content_type, status):
    response = post(hook, body, {"X-Hub-Signature-256": sign(body)}, content_type)
    assert response.status_code == status, response.get_data(as_text=True)
    assert "error" in response.get_json()


def test_oversize_body_is_413(hook):
    body = json.dumps({**TICKET, "body": "x" * 70_000}).encode()
    assert post(hook, body, {"X-Hub-Signature-256": sign(body)}).status_code == 413


class _Zammad(BaseHTTPRequestHandler):
    """Zammad's article API: records each POST in the server's `received` list and answers 201."""

    def do_POST(self) -> None:  # noqa: N802 - the http.server API
        length = int(self.headers["Content-Length"])
        self.server.received.append((self.path, dict(self.headers), json.loads(self.rfile.read(length))))  # type: ignore[attr-defined]
        self.send_response(201)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"id": 99}')

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def zammad():
    """A Zammad stand-in on a free port; yields its URL and the list of what it received."""
    server = HTTPServer(("127.0.0.1", 0), _Zammad)
    server.received = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", server.received  # type: ignore[attr-defined]
    server.shutdown()
    server.server_close()


def test_reply_is_posted_to_zammad_as_internal_note(zammad, make_app):
    url, received = zammad
    app = make_app(webhook_secret=SECRET, zammad_url=url, zammad_token="ztoken")
    body = json.dumps(TICKET).encode()
    response = post(app.test_client(), body, {"X-Hub-Signature": sign(body, algorithm="sha1")})
    assert response.get_json()["note_posted"] is True
    path, headers, note = received[0]
    assert path == "/api/v1/ticket_articles"
    assert headers["Authorization"] == "Token token=ztoken"
    assert note["ticket_id"] == 4711 and note["internal"] is True and note["type"] == "note"
    assert "drucker" in note["body"].lower()


def test_zammad_unreachable_still_answers(make_app):
    app = make_app(webhook_secret=SECRET, zammad_url=f"http://127.0.0.1:{free_port()}", zammad_token="t")
    body = json.dumps(TICKET).encode()
    response = post(app.test_client(), body, {"X-Hub-Signature-256": sign(body)})
    assert response.status_code == 200
    assert response.get_json()["note_posted"] is False
