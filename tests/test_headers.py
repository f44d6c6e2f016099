"""Security headers on every kind of answer of the real server (gunicorn), and what it must not send."""

from __future__ import annotations

import http.client
import json
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.xdist_group("server")

# One of each kind of answer: (name, method, path, body, expected status, expected mimetype).
ANSWERS = [
    ("home page", "GET", "/", None, 200, "text/html"),
    ("article page", "GET", "/faq/drucker/", None, 200, "text/html"),
    ("404 page", "GET", "/no/such/page/", None, 404, "text/html"),
    ("redirect", "GET", "/faq/drucker", None, 308, None),
    ("JSON search", "GET", "/api/search?q=drucker", None, 200, "application/json"),
    ("JSON triage", "POST", "/api/triage", {"description": "Drucker druckt nicht"}, 200, "application/json"),
    ("JSON health", "GET", "/healthz", None, 200, "application/json"),
    ("OpenAPI", "GET", "/openapi.json", None, 200, "application/json"),
    ("error 404 JSON", "GET", "/api/nope", None, 404, "application/json"),
    ("error 405 JSON", "GET", "/api/triage", None, 405, "application/json"),
    ("error 415 JSON", "POST", "/api/triage", b"description=x", 415, "application/json"),
    ("error 422 JSON", "GET", "/api/search?q=", None, 422, "application/json"),
    ("error 413 JSON", "POST", "/api/triage", {"description": "x" * 70_000}, 413, "application/json"),
]


def fetch(server, method: str, path: str, body=None, headers: dict | None = None):
    """Send one request; return (status, headers with lower-case names, body bytes)."""
    url = urlsplit(server.url)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    try:
        sent = dict(headers or {})
        if isinstance(body, dict):
            body = json.dumps(body).encode()
            sent.setdefault("Content-Type", "application/json")
        elif isinstance(body, bytes):
            sent.setdefault("Content-Type", "application/x-www-form-urlencoded")
        conn.request(method, path, body=body, headers=sent)
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


def asset_paths(site_dir: Path) -> list[str]:
    """A JavaScript, a stylesheet and the search index of the built site, as URL paths."""
    picks = [
        next(site_dir.glob("assets/javascripts/bundle.*.min.js")),
        next(site_dir.glob("assets/stylesheets/main.*.min.css")),
        site_dir / "search" / "search_index.json",
    ]
    return ["/" + p.relative_to(site_dir).as_posix() for p in picks]


def assert_common_headers(name: str, headers: dict[str, str]) -> None:
    assert headers.get("x-content-type-options") == "nosniff", name
    assert headers.get("referrer-policy") in {"same-origin", "no-referrer", "strict-origin-when-cross-origin"}, name
    csp = headers.get("content-security-policy", "")
    assert "frame-ancestors 'none'" in csp, f"{name}: {csp!r}"
    assert headers.get("x-frame-options") == "DENY", name
    # gunicorn names itself, but never its version; nothing else announces a version either.
    assert "/" not in headers.get("server", ""), f"{name}: Server: {headers.get('server')}"
    assert "x-powered-by" not in headers, name
    assert "access-control-allow-origin" not in headers, f"{name}: CORS must be off by default"


@pytest.mark.parametrize(("name", "method", "path", "body", "status", "mimetype"), ANSWERS, ids=[a[0] for a in ANSWERS])
def test_every_kind_of_answer_has_the_security_headers(server, name, method, path, body, status, mimetype):
    got, headers, _ = fetch(server, method, path, body, headers={"Origin": "https://evil.example"})
    assert got == status, name
    if mimetype:
        assert headers["content-type"].split(";")[0] == mimetype, name
    assert_common_headers(name, headers)
    if mimetype == "application/json":
        # JSON gets none of a page's rights.
        assert headers["content-security-policy"].startswith("default-src 'none'"), name


def test_assets_have_the_security_headers(server, trained_state):
    for path in asset_paths(trained_state.site_dir):
        status, headers, _ = fetch(server, "GET", path, headers={"Origin": "https://evil.example"})
        assert status == 200, path
        assert_common_headers(path, headers)
        assert "'unsafe-inline'" not in headers["content-security-policy"], path


def script_sources(csp: str) -> list[str]:
    directive = next((d.strip() for d in csp.split(";") if d.strip().startswith("script-src ")), "")
    return directive.split()[1:]


@pytest.mark.parametrize("path", ["/", "/faq/drucker/", "/en/printing/"])
def test_page_csp_allows_only_the_sites_own_scripts(server, path):
    _, headers, body = fetch(server, "GET", path)
    sources = script_sources(headers["content-security-policy"])
    assert "'self'" in sources
    for source in sources:
        assert source == "'self'" or re.fullmatch(r"'sha256-[A-Za-z0-9+/]+=*'", source), source
    # Every inline script of the page is allowed by one of the hashes, and no more hashes than scripts.
    inline = re.findall(rb"<script(?![^>]*\bsrc=)(?![^>]*application/(?:ld\+)?json)[^>]*>", body)
    assert len([s for s in sources if s.startswith("'sha256-")]) <= len(inline)


def test_404_page_csp_allows_its_inline_scripts(server):
    _, headers, body = fetch(server, "GET", "/no/such/page/")
    inline = re.findall(rb"<script(?![^>]*\bsrc=)(?![^>]*application/(?:ld\+)?json)[^>]*>", body)
    assert inline, "the theme's 404 page has inline scripts"
    assert any(s.startswith("'sha256-") for s in script_sources(headers["content-security-policy"]))


def test_cors_preflight_is_refused_by_default(server):
    status, headers, _ = fetch(
        server,
        "OPTIONS",
        "/api/triage",
        headers={
            "Origin": "https://evil.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert status < 500
    assert not any(name.startswith("access-control-") for name in headers), headers


def test_request_limits_answer_4xx_and_the_server_keeps_answering(server):
    # The body limit is the app's (64 KiB, JSON error); the request line and header limits are
    # gunicorn's (4094 bytes, 8190 bytes per header), answered by gunicorn itself.
    status, headers, body = fetch(server, "POST", "/api/triage", {"description": "x" * 1_000_000})
    assert status == 413 and json.loads(body)["error"]["code"] == "payload_too_large"
    status, _, _ = fetch(server, "GET", "/api/search?q=" + "wort+" * 2000)
    assert status == 414
    status, _, _ = fetch(server, "GET", "/healthz", headers={"X-Filler": "a" * 10_000})
    assert status in {400, 431}
    status, _, _ = fetch(server, "GET", "/healthz")
    assert status == 200


def test_agent_tokens_are_compared_in_constant_time():
    """The only comparison of secrets goes through hmac.compare_digest (no == on tokens)."""
    import inspect

    from triage.web import auth

    source = inspect.getsource(auth)
    assert "hmac.compare_digest" in source
    assert not re.search(r"token\w*\s*==|==\s*\w*token", source)
