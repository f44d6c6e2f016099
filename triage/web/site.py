"""Serve the built MkDocs site at / with security headers, scripts allowed by hash only."""

from __future__ import annotations

import base64
import hashlib
import re
from functools import lru_cache
from pathlib import Path

from flask import Blueprint, Response, current_app, redirect, request, send_file
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.security import safe_join

bp = Blueprint("site", __name__)

# Inline <script> elements without src whose type is JavaScript (not JSON data blocks).
_INLINE_SCRIPT_RE = re.compile(r"<script(?P<attrs>[^>]*)>(?P<body>.*?)</script>", re.DOTALL | re.IGNORECASE)
_SRC_OR_DATA_RE = re.compile(r"\bsrc\s*=|type\s*=\s*[\"']application/(?:ld\+)?json", re.IGNORECASE)

API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'"
ASSET_CSP = "default-src 'self'; script-src 'self'; object-src 'none'; frame-ancestors 'none'"


@lru_cache(maxsize=2048)
def _inline_script_hashes(path: str, mtime_ns: int) -> tuple[str, ...]:
    """Return CSP hashes of a page's inline scripts (cached per file version)."""
    text = Path(path).read_text(encoding="utf-8", errors="replace")
    hashes = []
    for match in _INLINE_SCRIPT_RE.finditer(text):
        if _SRC_OR_DATA_RE.search(match.group("attrs")):
            continue
        digest = hashlib.sha256(match.group("body").encode("utf-8")).digest()
        hashes.append("'sha256-" + base64.b64encode(digest).decode("ascii") + "'")
    return tuple(dict.fromkeys(hashes))


def page_csp(path: Path) -> str:
    """Return the Content-Security-Policy of an HTML page: only the site's own scripts run."""
    hashes = " ".join(_inline_script_hashes(str(path), path.stat().st_mtime_ns))
    return (
        f"default-src 'self'; script-src 'self' {hashes}; ".replace("  ", " ")
        + "style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; "
        "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    )


def _site_file(path: str) -> Path | None:
    site_dir = Path(current_app.extensions["level0"].settings.site_dir)
    joined = safe_join(str(site_dir), path) if path else str(site_dir)
    if joined is None:
        return None
    candidate = Path(joined)
    if candidate.is_dir():
        candidate = candidate / "index.html"
    return candidate if candidate.is_file() else None


def _refuse_other_methods(path: str) -> None:
    """Answer 405, not 404, for a GET on a route that exists for other methods (GET /api/triage)."""
    methods = sorted(
        {
            method
            for rule in current_app.url_map.iter_rules()
            if not rule.endpoint.startswith("site.") and rule.rule == "/" + path
            for method in rule.methods or ()
        }
        - {"HEAD", "OPTIONS"}
    )
    if methods:
        raise MethodNotAllowed(valid_methods=methods)


@bp.get("/", defaults={"path": ""})
@bp.get("/<path:path>")
def page(path: str) -> Response:
    file = _site_file(path)
    if file is None:
        _refuse_other_methods(path)
        raise NotFound()
    if file.name == "index.html" and path and not path.endswith("/") and not path.endswith("index.html"):
        # Directory URLs end in "/", so relative links in the page resolve as MkDocs built them.
        query = f"?{request.query_string.decode('latin-1')}" if request.query_string else ""
        return redirect(f"/{path}/{query}", code=308)
    response = send_file(file, max_age=300 if file.suffix != ".html" else 0)
    if file.suffix == ".html":
        response.headers["Content-Security-Policy"] = page_csp(file)
    return response
