"""Swagger UI is served with its assets from this server: no CDN."""

from __future__ import annotations

import re

from flask.testing import FlaskClient


def test_swagger_ui_page_uses_local_assets(client: FlaskClient) -> None:
    response = client.get("/docs")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources, html
    assert all(s.startswith("/docs/assets/") for s in sources), sources
    assert "/openapi.json" in html


def test_swagger_ui_assets_are_served(client: FlaskClient) -> None:
    for asset in ("swagger-ui-bundle.js", "swagger-ui-standalone-preset.js", "swagger-ui.css"):
        response = client.get(f"/docs/assets/{asset}")
        assert response.status_code == 200, asset
        assert len(response.data) > 10_000
        response.close()


def test_spec_is_served(client: FlaskClient) -> None:
    response = client.get("/openapi.json")
    assert response.status_code == 200
    assert response.get_json()["info"]["title"] == "Bitewise API"
