"""The API's documentation page works on a closed network: Swagger UI comes from the
platform's own static files, not a CDN, and the footer links to it."""

from __future__ import annotations

import re
from typing import Any

from django.test import Client


def test_swagger_ui_is_served_from_our_static_files(db: Any) -> None:
    client = Client()
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    html = page.content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+\.(?:js|css))"', html)
    assert assets and all(a.startswith("/static/") for a in assets), assets
    assert "cdn" not in html.lower()
    for asset in assets:
        response = client.get(asset)
        assert response.status_code == 200, asset
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert len(body) > 1000, asset  # the real bundle, not an empty placeholder


def test_the_footer_links_to_the_api_docs(db: Any) -> None:
    assert 'href="/api/v1/docs"' in Client().get("/").content.decode()
