"""Swagger UI's assets, served by the API itself: no CDN, so it works behind any proxy."""

from __future__ import annotations

import swagger_ui_bundle
from flask import Blueprint

ASSETS_URL = "/docs/assets/"

assets = Blueprint(
    "swagger_ui_assets",
    __name__,
    static_folder=swagger_ui_bundle.swagger_ui_path,
    static_url_path=ASSETS_URL.rstrip("/"),
)
