"""The Flask app through its test client: contracts, validation and every error code."""

from __future__ import annotations

import json
import re

import pytest

TRIAGE_FIELDS = {
    "category",
    "confidence",
    "probabilities",
    "needs_human",
    "language",
    "policy",
    "evidence",
    "articles",
}
HIT_FIELDS = {"title", "section", "url", "path", "score", "snippet"}
POLICY_FIELDS = {"covered", "support_level", "next_step", "explanation", "checklist"}


def post_json(client, body, **kwargs):
    return client.post("/api/triage", data=json.dumps(body), content_type="application/json", **kwargs)


def assert_error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    error = response.get_json()["error"]
    assert set(error) == {"code", "message"}
    if code:
        assert error["code"] == code
    assert "Traceback" not in error["message"]
    return error


def test_triage_answers_the_full_object(client):
    response = post_json(client, {"description": "Der Virenscanner blockiert den Druck, Drucker druckt nicht"})
    assert response.status_code == 200
    answer = response.get_json()
    assert set(answer) >= TRIAGE_FIELDS
    assert answer["category"] in {"bug", "infrastructure", "consulting"}
    assert 0 <= answer["confidence"] <= 1
    assert set(answer["probabilities"]) == {"bug", "infrastructure", "consulting"}
    assert abs(sum(answer["probabilities"].values()) - 1) < 0.01
    assert answer["language"] == "de"
    assert set(answer["policy"]) >= POLICY_FIELDS
    assert answer["policy"]["covered"] in {"covered", "billable", "depends"}
    assert answer["articles"] and set(answer["articles"][0]) >= HIT_FIELDS
    assert answer["articles"][0]["path"] == "faq/drucker.md"


@pytest.mark.parametrize("language", ["de", "en"])
def test_triage_answers_in_the_requested_language(client, settings, language):
    from triage.answer.policy import load_policy

    answer = post_json(client, {"description": "Drucker druckt nicht", "language": language}).get_json()
    assert answer["language"] == language
    expected = load_policy(settings.policy_file).for_category(answer["category"], language)
    assert answer["policy"]["next_step"] == expected["next_step"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "description"),
        ({"description": ""}, "description"),
        ({"description": "   \n\t "}, "description"),
        ({"description": 42}, "description"),
        ({"description": ["a"]}, "description"),
        ({"description": "ok text", "language": "fr"}, "language"),
        ({"description": "ok text", "subject": None}, "subject"),
        ({"description": "ok text", "unknown": 1}, "unknown"),
        ({"description": "ok \x00 text"}, "description"),
    ],
)
def test_invalid_triage_bodies_are_422_naming_the_field(client, body, field):
    error = assert_error(post_json(client, body), 422, "validation_error")
    assert error["message"].startswith(field)


def test_json_that_is_not_an_object_is_422(client):
    assert_error(post_json(client, ["description"]), 422)


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None])
def test_not_json_is_415(client, content_type):
    response = client.post("/api/triage", data="description=x", content_type=content_type)
    assert_error(response, 415, "unsupported_media_type")


@pytest.mark.parametrize("data", [b"{", b'{"description": }', b"\xff\xfe{}", b"[" * 20000 + b"]" * 20000])
def test_malformed_json_is_400(client, data):
    response = client.post("/api/triage", data=data, content_type="application/json")
    assert_error(response, 400, "invalid_json")


def test_body_over_64_kib_is_413(client):
    body = json.dumps({"description": "x" * (65 * 1024)})
    assert_error(client.post("/api/triage", data=body, content_type="application/json"), 413)


def test_description_over_limit_but_under_body_limit_is_422(client):
    assert_error(post_json(client, {"description": "wort " * 7000}), 422)


def test_unknown_api_route_is_json_404_and_wrong_method_json_405(client):
    assert_error(client.get("/api/nope"), 404, "not_found")
    response = client.get("/api/triage")
    assert_error(response, 405, "method_not_allowed")
    assert "POST" in response.headers["Allow"]


def test_search_answers_the_query_with_at_most_limit_hits_of_every_field(client):
    response = client.get("/api/search", query_string={"q": "drucker druckt nicht", "limit": 3})
    assert response.status_code == 200
    data = response.get_json()
    assert data["query"] == "drucker druckt nicht"
    assert 1 <= len(data["hits"]) <= 3
    for hit in data["hits"]:
        assert set(hit) >= HIT_FIELDS


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"q": ""},
        {"q": "   "},
        {"q": "x", "limit": "0"},
        {"q": "x", "limit": "abc"},
        {"q": "x", "lang": "fr"},
    ],
)
def test_bad_search_parameters_are_422(client, params):
    assert_error(client.get("/api/search", query_string=params), 422)


def test_search_filters_by_tag_and_language(client):
    data = client.get("/api/search", query_string={"q": "Drucker printer", "lang": "en"}).get_json()
    assert [h["path"] for h in data["hits"]] == ["en/printing.md"]
    data = client.get("/api/search", query_string=[("q", "Drucker"), ("tag", "Vorlagen")]).get_json()
    assert [h["path"] for h in data["hits"]] == ["howto/formulare.md"]


def test_healthz_reports_index_and_model(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    data = response.get_json()
    assert data["status"] == "ok"
    assert data["index"]["ok"] and data["index"]["sections"] > 0
    assert data["model"]["ok"] and 0 < data["model"]["threshold"] <= 1.01


def test_openapi_describes_the_routes(client):
    spec = client.get("/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    assert {"/api/triage", "/api/search", "/healthz"} <= set(spec["paths"])
    assert "TriageRequest" in spec["components"]["schemas"]


def api_routes(app) -> set[tuple[str, str]]:
    """(path, method) of every route the app serves under /api/, plus /healthz and /openapi.json."""
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/") or rule.rule in {"/healthz", "/openapi.json"}:
            path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule)  # Flask's <int:id> is OpenAPI's {id}
            routes |= {(path, method.lower()) for method in rule.methods - {"HEAD", "OPTIONS"}}
    return routes


def test_openapi_describes_every_route_the_app_serves(app, client):
    spec = client.get("/openapi.json").get_json()
    described = {(path, method) for path, item in spec["paths"].items() for method in item}
    served = api_routes(app)
    assert {("/api/events", "post"), ("/api/feedback/triage", "post"), ("/api/webhook/ticket", "post")} <= served
    assert served - described == set(), "routes without a description in triage/web/openapi.py"
    assert described - served == set(), "descriptions of routes the app does not serve"
    for path, method in described:
        operation = spec["paths"][path][method]
        assert operation["summary"] and operation["responses"], (path, method)
        for response in operation["responses"].values():
            ref = response.get("content", {}).get("application/json", {}).get("schema", {}).get("$ref")
            assert ref is None or ref.rsplit("/", 1)[1] in spec["components"]["schemas"], (path, method, ref)


def test_site_is_served_with_security_headers(client):
    with client.get("/faq/drucker/") as response:
        assert response.status_code == 200
        body = response.data
    assert b"Druckeinstellungen" in body
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp.split("script-src", 1)[1].split(";")[0]
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    # The Server header comes from gunicorn, not the app: tests/test_headers.py checks it on a real server.


def test_site_directory_without_slash_redirects_and_missing_page_is_404(client):
    response = client.get("/faq/drucker")
    assert response.status_code == 308
    assert response.headers["Location"].endswith("/faq/drucker/")
    with client.get("/no/such/page/") as missing:
        assert missing.status_code == 404
        assert missing.mimetype == "text/html"


@pytest.mark.parametrize("url", ["/../mkdocs.yml", "/%2e%2e/mkdocs.yml", "/..%2fmkdocs.yml", "/docs/../../mkdocs.yml"])
def test_path_traversal_is_refused(client, url):
    with client.get(url) as response:
        assert response.status_code == 404
        assert b"site_name" not in response.data


def test_cors_is_off_by_default(client):
    response = client.get("/api/search", query_string={"q": "x"}, headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in response.headers


def test_cors_allows_configured_origin_only(make_app):
    client = make_app(cors_origins=("https://shop.example",)).test_client()
    ok = client.get("/api/search", query_string={"q": "x"}, headers={"Origin": "https://shop.example"})
    assert ok.headers["Access-Control-Allow-Origin"] == "https://shop.example"
    other = client.get("/api/search", query_string={"q": "x"}, headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in other.headers


def test_rate_limit_answers_429_as_json(tmp_path, make_app):
    # Counts of its own: the state dir's ratelimit.db is shared with every other app of the session.
    storage = f"sqlite:///{tmp_path / 'ratelimit.db'}"
    client = make_app(rate_limit="3/minute", rate_limit_storage=storage).test_client()
    statuses = [client.get("/api/search", query_string={"q": "drucker"}).status_code for _ in range(5)]
    assert statuses[:3] == [200, 200, 200]
    assert_error(client.get("/api/search", query_string={"q": "drucker"}), 429, "rate_limited")
    assert client.get("/healthz").status_code == 200  # health checks are never limited


def test_missing_index_and_model_give_503(tmp_path, make_app):
    client = make_app(state_dir=tmp_path / "state").test_client()
    health = client.get("/healthz")
    assert health.status_code == 503
    assert health.get_json()["status"] == "unavailable"
    assert_error(client.get("/api/search", query_string={"q": "drucker"}), 503, "index_unavailable")
    assert_error(post_json(client, {"description": "Drucker druckt nicht"}), 503, "model_unavailable")
