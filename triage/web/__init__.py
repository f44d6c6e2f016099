"""The Flask web layer: app factory, API, agents' area, webhook, site, errors, auth, OpenAPI, static files."""
