"""One typed configuration, read once from the environment and checked at start.

Nothing else in the code base reads ``os.environ``: everything goes through ``Config``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

ENVIRONMENTS = ("development", "test", "production")
DEFAULT_SQLITE_URL = f"sqlite:///{Path('instance') / 'bitewise.db'}"


class ConfigError(RuntimeError):
    """The environment describes a configuration the app must not start with."""


def _int(environ: Mapping[str, str], name: str, default: int) -> int:
    raw = environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be an integer, got {raw!r}") from exc


def _float(environ: Mapping[str, str], name: str, default: float) -> float:
    raw = environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return float(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a number, got {raw!r}") from exc


# Every bounded setting: (attribute, variable, lowest, highest).
BOUNDS = (
    ("max_request_bytes", "BITEWISE_MAX_REQUEST_BYTES", 1024, 64 * 1024 * 1024),
    ("worker_batch_size", "BITEWISE_WORKER_BATCH", 1, 500),
    ("worker_threads", "BITEWISE_WORKER_THREADS", 1, 64),
    # A claim must outlive a send: at 0, two workers sent a third of a batch twice.
    # (Tests take claims over after 3 s; production asks for 10 at least, below.)
    ("claim_ttl", "BITEWISE_CLAIM_TTL", 1, 3600),
    ("retry_base", "BITEWISE_RETRY_BASE", 0.1, 600),
    ("plan_every", "BITEWISE_PLAN_EVERY", 0, 86_400),
    ("proxy_hops", "BITEWISE_PROXY_HOPS", 0, 5),
    ("media_max_image_mb", "BITEWISE_MEDIA_MAX_IMAGE_MB", 1, 200),
    ("media_max_audio_mb", "BITEWISE_MEDIA_MAX_AUDIO_MB", 1, 1000),
    ("media_max_video_mb", "BITEWISE_MEDIA_MAX_VIDEO_MB", 1, 5000),
    ("media_max_pixels", "BITEWISE_MEDIA_MAX_PIXELS", 1_000_000, 200_000_000),
)
MIN_METRICS_TOKEN = 16


@dataclass(frozen=True)
class Config:
    # Production unless told otherwise: a forgotten variable must fail safe (bin/run and
    # the tests ask for development and test).
    environment: str = "production"
    database_url: str = DEFAULT_SQLITE_URL
    # Firebase project whose ID tokens we accept (their `aud`).
    firebase_project_id: str = "bitewise-demo"
    # Set => firebase-admin accepts unsigned emulator tokens. Refused in production.
    firebase_auth_emulator_host: str | None = None
    # Service-account JSON for firebase-admin (production).
    google_application_credentials: str | None = None
    max_request_bytes: int = 1024 * 1024
    # Members each process keeps between requests ("practise now"; PostgreSQL only): 0
    # reads the member on every request (api/services/kept_members.py).
    kept_members: int = 20_000
    log_level: str = "INFO"
    log_json: bool = True
    # Where clients reach the API (xAPI ids, links); required in production. Empty: the
    # local address, http://127.0.0.1:8000.
    public_base_url: str = ""
    # "local" prints pushes; "fcm" sends them through firebase-admin.
    push_backend: str = "local"
    # Base URL of an FCM-compatible endpoint instead of Google's (a stand-in, a proxy).
    fcm_endpoint: str | None = None
    # "curl": libcurl's multi interface, HTTP/2 (api/push/fcm_curl.py); "firebase-admin":
    # messaging.send in threads. Both take credentials and messages from firebase-admin.
    fcm_transport: str = "curl"
    # Where uploaded media are kept (the local store); the largest file of each kind and
    # the most pixels an image may have.
    media_dir: str = str(Path("instance") / "media")
    # A Google Cloud Storage bucket instead of media_dir, and the service account whose
    # key signs its URLs (default: GOOGLE_APPLICATION_CREDENTIALS).
    media_bucket: str | None = None
    media_credentials: str | None = None
    storage_emulator_host: str | None = None
    media_max_image_mb: int = 20
    media_max_audio_mb: int = 50
    media_max_video_mb: int = 250
    media_max_pixels: int = 50_000_000
    worker_batch_size: int = 100
    worker_threads: int = 16
    # Seconds between planner runs in each worker; 0 turns planning off in that worker.
    plan_every: int = 300
    # Seconds a claimed batch stays a worker's; a dead worker's rows are taken over after.
    claim_ttl: int = 60
    # First retry of a push FCM could not take (503/500), doubling each attempt.
    retry_base: float = 5.0
    # Bearer token that /metrics requires; unset in development means open.
    metrics_token: str | None = None
    # Rate limits' shared storage; unset: each process counts in memory.
    redis_url: str | None = None
    rate_limits: bool = True
    # Origins allowed to call the API from a browser; none: CORS stays off.
    cors_origins: tuple[str, ...] = ()
    # Proxies in front of the app (load balancer: 1) whose X-Forwarded-For we believe;
    # per-IP limits count the client's address only when this is right.
    proxy_hops: int = 0
    # Set by gunicorn.conf.py: request metrics of all workers are summed from files here
    # (prometheus_client reads the same variable).
    prometheus_multiproc_dir: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Config:
        env = os.environ if environ is None else environ
        config = cls(
            environment=env.get("BITEWISE_ENV") or "production",
            database_url=env.get("DATABASE_URL") or DEFAULT_SQLITE_URL,
            firebase_project_id=env.get("FIREBASE_PROJECT_ID", "bitewise-demo"),
            firebase_auth_emulator_host=env.get("FIREBASE_AUTH_EMULATOR_HOST") or None,
            google_application_credentials=env.get("GOOGLE_APPLICATION_CREDENTIALS") or None,
            max_request_bytes=_int(env, "BITEWISE_MAX_REQUEST_BYTES", 1024 * 1024),
            kept_members=_int(env, "BITEWISE_KEPT_MEMBERS", 20_000),
            log_level=env.get("LOG_LEVEL", "INFO").upper(),
            log_json=env.get("LOG_FORMAT", "json") != "text",
            public_base_url=env.get("PUBLIC_BASE_URL") or "",
            push_backend=env.get("BITEWISE_PUSH")
            or (
                "fcm"
                if env.get("GOOGLE_APPLICATION_CREDENTIALS") or env.get("BITEWISE_FCM_ENDPOINT")
                else "local"
            ),
            fcm_endpoint=env.get("BITEWISE_FCM_ENDPOINT") or None,
            fcm_transport=env.get("BITEWISE_FCM_TRANSPORT") or "curl",
            media_dir=env.get("BITEWISE_MEDIA_DIR") or str(Path("instance") / "media"),
            media_bucket=env.get("BITEWISE_MEDIA_BUCKET") or None,
            media_credentials=env.get("BITEWISE_MEDIA_CREDENTIALS")
            or env.get("GOOGLE_APPLICATION_CREDENTIALS")
            or None,
            storage_emulator_host=env.get("STORAGE_EMULATOR_HOST") or None,
            media_max_image_mb=_int(env, "BITEWISE_MEDIA_MAX_IMAGE_MB", 20),
            media_max_audio_mb=_int(env, "BITEWISE_MEDIA_MAX_AUDIO_MB", 50),
            media_max_video_mb=_int(env, "BITEWISE_MEDIA_MAX_VIDEO_MB", 250),
            media_max_pixels=_int(env, "BITEWISE_MEDIA_MAX_PIXELS", 50_000_000),
            worker_batch_size=_int(env, "BITEWISE_WORKER_BATCH", 100),
            worker_threads=_int(env, "BITEWISE_WORKER_THREADS", 16),
            plan_every=_int(env, "BITEWISE_PLAN_EVERY", 300),
            claim_ttl=_int(env, "BITEWISE_CLAIM_TTL", 60),
            retry_base=_float(env, "BITEWISE_RETRY_BASE", 5.0),
            metrics_token=env.get("BITEWISE_METRICS_TOKEN") or None,
            redis_url=env.get("REDIS_URL") or None,
            proxy_hops=_int(env, "BITEWISE_PROXY_HOPS", 0),
            prometheus_multiproc_dir=env.get("PROMETHEUS_MULTIPROC_DIR") or None,
            rate_limits=env.get("BITEWISE_RATE_LIMITS", "on") != "off",
            cors_origins=tuple(
                o.strip() for o in env.get("BITEWISE_CORS_ORIGINS", "").split(",") if o.strip()
            ),
        )
        return config.validated()

    @staticmethod
    def database_url_from_env(environ: Mapping[str, str] | None = None) -> str:
        """Only the database address (Alembic's migrations need nothing else)."""
        env = os.environ if environ is None else environ
        return sqlalchemy_url_of(env.get("DATABASE_URL") or DEFAULT_SQLITE_URL)

    def with_overrides(self, **changes: Any) -> Config:
        return replace(self, **changes).validated()

    @property
    def base_url(self) -> str:
        return self.public_base_url or "http://127.0.0.1:8000"

    @property
    def is_production(self) -> bool:
        return self.environment == "production"

    @property
    def sqlalchemy_url(self) -> str:
        return sqlalchemy_url_of(self.database_url)

    def validated(self) -> Config:
        if self.environment not in ENVIRONMENTS:
            raise ConfigError(
                f"BITEWISE_ENV must be one of {ENVIRONMENTS}, got {self.environment!r}"
            )
        if not self.firebase_project_id:
            raise ConfigError("FIREBASE_PROJECT_ID must name the Firebase project")
        for attribute, variable, lowest, highest in BOUNDS:
            if not lowest <= getattr(self, attribute) <= highest:
                raise ConfigError(
                    f"{variable} must be between {lowest} and {highest}, "
                    f"got {getattr(self, attribute)}"
                )
        if self.push_backend not in ("local", "fcm"):
            raise ConfigError("BITEWISE_PUSH must be 'local' or 'fcm'")
        if self.media_bucket and not self.media_credentials:
            raise ConfigError(
                "BITEWISE_MEDIA_BUCKET needs a service account key to sign URLs: set "
                "BITEWISE_MEDIA_CREDENTIALS (or GOOGLE_APPLICATION_CREDENTIALS)"
            )
        if self.fcm_transport not in ("curl", "firebase-admin"):
            raise ConfigError("BITEWISE_FCM_TRANSPORT must be 'curl' or 'firebase-admin'")
        if (
            self.google_application_credentials
            and not Path(self.google_application_credentials).is_file()
        ):
            raise ConfigError(
                "GOOGLE_APPLICATION_CREDENTIALS names no readable file: "
                f"{self.google_application_credentials}"
            )
        if self.firebase_auth_emulator_host and self.google_application_credentials:
            raise ConfigError(
                "FIREBASE_AUTH_EMULATOR_HOST is set beside real credentials: firebase-admin "
                "would accept unsigned tokens for a real project. Unset one of them."
            )
        if self.is_production:
            if self.firebase_auth_emulator_host:
                raise ConfigError(
                    "FIREBASE_AUTH_EMULATOR_HOST is set in production: firebase-admin would "
                    "accept unsigned tokens. Unset it."
                )
            if not self.google_application_credentials:
                raise ConfigError(
                    "Production needs GOOGLE_APPLICATION_CREDENTIALS (a service-account JSON "
                    "file of the Firebase project)."
                )
            if self.firebase_project_id == "bitewise-demo":
                raise ConfigError("Production needs FIREBASE_PROJECT_ID set to your project.")
            if self.sqlalchemy_url.startswith("sqlite"):
                raise ConfigError("Production needs DATABASE_URL pointing at PostgreSQL.")
            if not self.metrics_token or len(self.metrics_token) < MIN_METRICS_TOKEN:
                raise ConfigError(
                    f"Production needs BITEWISE_METRICS_TOKEN of at least {MIN_METRICS_TOKEN} "
                    "characters to protect /metrics."
                )
            if not self.public_base_url.startswith("https://"):
                raise ConfigError(
                    "Production needs PUBLIC_BASE_URL, the https:// address clients use "
                    "(it names activities in the xAPI export)."
                )
            if self.fcm_endpoint and not self.fcm_endpoint.startswith("https://"):
                raise ConfigError(
                    "BITEWISE_FCM_ENDPOINT must be https:// in production: firebase-admin sends "
                    "the service account's access token with every push."
                )
            if self.claim_ttl < 10:
                raise ConfigError(
                    f"BITEWISE_CLAIM_TTL must be at least 10 in production, got {self.claim_ttl}: "
                    "a claim that expires while FCM answers sends the push twice."
                )
            if self.plan_every == 0:
                raise ConfigError(
                    "BITEWISE_PLAN_EVERY=0 turns reminders off: production plans every 10 s "
                    "to 1 day (default 300)."
                )
            if self.rate_limits and not self.redis_url:
                raise ConfigError(
                    "Production needs REDIS_URL: rate limits counted per process let a client "
                    "through once per worker."
                )
            if not self.rate_limits:
                raise ConfigError(
                    "BITEWISE_RATE_LIMITS=off is for load tests only, never production."
                )
            if self.push_backend != "fcm":
                raise ConfigError("Production sends pushes through FCM: set BITEWISE_PUSH=fcm.")
        return self


def sqlalchemy_url_of(url: str) -> str:
    """The URL with the psycopg 3 driver named, whatever form the operator gave."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url
