"""Bitewise API: ``create_app`` is the only place that wires things together."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import Connection, Engine
from werkzeug.middleware.proxy_fix import ProxyFix

from api import docs
from api.clock import Clock, SystemClock
from api.config import Config, ConfigError
from api.db import Database
from api.extensions import BitewiseApi
from api.firebase import init_firebase_app
from api.http_headers import init_headers
from api.input_guard import init_input_guard
from api.json_provider import OrjsonProvider
from api.limits import init_limits
from api.media.store import make_store
from api.metrics import init_request_metrics, metrics
from api.operation_docs import DescriptionPlugin, typed_enum
from api.operation_ids import OperationIdPlugin
from api.request_log import configure_logging, install_request_logging
from api.resources.analytics.routes import blp as analytics_blp
from api.resources.application.routes import blp as application_blp
from api.resources.common import (
    IdConverter,
    PublicIdConverter,
    id_converter_schema,
    public_id_converter_schema,
)
from api.resources.devices.routes import blp as devices_blp
from api.resources.enrollments.routes import blp as enrollments_blp
from api.resources.health.routes import blp as health_blp
from api.resources.learn.routes import blp as learn_blp
from api.resources.me.routes import blp as me_blp
from api.resources.media.routes import blp as media_blp
from api.resources.modules.routes import blp as modules_blp
from api.resources.outbox.routes import blp as outbox_blp
from api.resources.practice.routes import blp as practice_blp
from api.resources.settings.routes import blp as settings_blp
from api.resources.team_space.routes import blp as team_space_blp
from api.resources.teams.routes import blp as teams_blp
from api.resources.users.routes import blp as users_blp
from api.resources.xapi.routes import blp as xapi_blp
from api.services.kept_members import KeptMembers
from api.services.shown import KeptItems

API_TITLE = "Bitewise API"
API_VERSION = "0.1.0"

BLUEPRINTS = [
    health_blp,
    me_blp,
    teams_blp,
    users_blp,
    modules_blp,
    media_blp,
    enrollments_blp,
    learn_blp,
    practice_blp,
    settings_blp,
    devices_blp,
    outbox_blp,
    application_blp,
    team_space_blp,
    analytics_blp,
    xapi_blp,
]


def create_app(
    config: Config | None = None,
    *,
    bind: Engine | Connection | None = None,
    clock: Clock | None = None,
) -> Flask:
    """Build the app. Tests pass their own config, a connection to bind to and a clock."""
    if config is None:
        try:
            config = Config.from_env()
        except ConfigError as error:
            # One line for the operator, not a traceback from every process that starts.
            raise SystemExit(f"bitewise refuses to start: {error}") from None
    configure_logging(config)
    app = Flask(__name__)
    app.json = OrjsonProvider(app)
    if config.proxy_hops:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=config.proxy_hops, x_proto=config.proxy_hops
        )
    app.config.update(_flask_settings(config))
    app.url_map.converters["id"] = IdConverter
    app.url_map.converters["public_id"] = PublicIdConverter

    app.extensions["bitewise.clock"] = clock or SystemClock()
    app.extensions["bitewise.firebase"] = init_firebase_app(config)
    app.extensions["bitewise.media"] = make_store(config)
    app.extensions["bitewise.shown"] = KeptItems()
    database = Database()
    database.init_app(app, bind)
    app.extensions["bitewise.members"] = KeptMembers(
        enabled=config.kept_members > 0 and database.dialect == "postgresql",
        limit=config.kept_members,
    )

    api = BitewiseApi(
        spec_kwargs={
            "extra_plugins": [OperationIdPlugin(), DescriptionPlugin()],
            "info": {
                "description": "Microlearning at work: content, spaced practice, reminders. "
                "Authorize with a Firebase ID token (button 'Authorize').",
                "contact": {
                    "name": "Bitewise engineering",
                    "email": "engineering@bitewise.app",
                    "url": "https://bitewise.app",
                },
                "license": {"name": "Proprietary", "url": "https://bitewise.app/terms"},
            },
        }
    )
    api.init_app(app)
    api.ma_plugin.converter.add_attribute_function(typed_enum)
    api.register_converter(IdConverter, id_converter_schema)
    api.register_converter(PublicIdConverter, public_id_converter_schema)
    api.spec.components.security_scheme(
        "bearerAuth", {"type": "http", "scheme": "bearer", "bearerFormat": "Firebase ID token"}
    )
    for blueprint in BLUEPRINTS:
        api.register_blueprint(blueprint)
    app.register_blueprint(docs.assets)
    app.register_blueprint(metrics)
    app.extensions["bitewise.api"] = api
    init_limits(app, config)
    init_request_metrics(app)
    init_headers(app, config)

    install_request_logging(app)
    init_input_guard(app)  # after the request id is set: its 422 carries one
    from api.cli import register_commands

    register_commands(app)
    return app


def _flask_settings(config: Config) -> dict[str, Any]:
    return {
        "BITEWISE": config,
        "MAX_CONTENT_LENGTH": config.max_request_bytes,
        "API_TITLE": API_TITLE,
        "API_VERSION": API_VERSION,
        "OPENAPI_VERSION": "3.1.0",
        "OPENAPI_URL_PREFIX": "/",
        "OPENAPI_JSON_PATH": "openapi.json",
        "OPENAPI_SWAGGER_UI_PATH": "/docs",
        "OPENAPI_SWAGGER_UI_URL": docs.ASSETS_URL,
        "OPENAPI_SWAGGER_UI_CONFIG": {"persistAuthorization": True, "tryItOutEnabled": True},
        "API_SPEC_OPTIONS": {
            "security": [{"bearerAuth": []}],
            # Generated clients take their base URL from here (fixed: the spec is generated
            # from code and committed, never from one deployment's address).
            "servers": [
                {"url": "http://127.0.0.1:8000", "description": "bin/run on this machine"},
                {
                    "url": "https://{host}",
                    "description": "A deployment",
                    "variables": {"host": {"default": "api.bitewise.example"}},
                },
            ],
        },
    }
