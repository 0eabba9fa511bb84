"""Operator commands: ``flask --app api <group> <command>``."""

from __future__ import annotations

import datetime as dt
import json
import signal
import threading
from pathlib import Path

import click
from flask import Flask, current_app

from api import deps, heap
from api.config import Config
from api.db import create_engine_for
from api.demo import load_demo
from api.dev_tokens import emulator_id_token
from api.push.factory import make_gateway
from api.services import fitting, media_lifecycle, membership
from api.worker import Worker

SPEC_PATH = Path(__file__).resolve().parent.parent / "openapi" / "openapi.json"


def render_spec(app: Flask) -> str:
    """The OpenAPI document as committed: stable key order, trailing newline."""
    with app.app_context():
        spec = app.extensions["bitewise.api"].spec.to_dict()
    return json.dumps(spec, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def register_commands(app: Flask) -> None:
    @app.cli.group("org")
    def org() -> None:
        """Organizations."""

    @org.command("create")
    @click.option("--name", required=True, help="Organization name")
    @click.option("--admin-email", required=True, help="Email of the first admin")
    @click.option("--admin-name", default="", help="Display name of the first admin")
    def create_org(name: str, admin_email: str, admin_name: str) -> None:
        """Create an organization and its first admin (linked at their first sign-in)."""
        organization, admin = membership.create_organization(
            deps.session(),
            name=name,
            admin_email=admin_email,
            admin_name=admin_name,
            now=deps.now(),
        )
        click.echo(f"organization {organization.id} created; admin {admin.email} invited")

    @app.cli.group("demo")
    def demo() -> None:
        """Demo content for local development."""

    @demo.command("load")
    def demo_load() -> None:
        """Load the demo organization and modules (does nothing if already there)."""
        created = load_demo(
            deps.session(), now=deps.now(), store=deps.media_store(), config=deps.config()
        )
        click.echo("demo data loaded" if created else "demo data already present")

    @demo.command("token")
    @click.argument("email")
    @click.option("--uid", default=None, help="Firebase uid (default: derived from the email)")
    @click.option("--days", default=30, show_default=True, help="Lifetime in days")
    def demo_token(email: str, uid: str | None, days: int) -> None:
        """Print an emulator ID token for EMAIL (development only)."""
        config: Config = current_app.config["BITEWISE"]
        if not config.firebase_auth_emulator_host:
            raise click.ClickException("Set FIREBASE_AUTH_EMULATOR_HOST: tokens are unsigned.")
        click.echo(
            emulator_id_token(
                project_id=config.firebase_project_id,
                uid=uid or "demo-" + email.split("@")[0],
                email=email,
                lifetime=dt.timedelta(days=days),
            )
        )

    @app.cli.group("memory")
    def memory() -> None:
        """The memory model."""

    @memory.command("fit")
    @click.option("--organization", "organization_id", type=int, help="Only this organization")
    def memory_fit(organization_id: int | None) -> None:
        """Fit FSRS-6 weights to each organization's reviews (and heavy learners' own);
        adopt a set only if it predicts held-out reviews better, then replay states."""
        session = deps.session()
        ids = [organization_id] if organization_id else fitting.all_organization_ids(session)
        for org_id in ids:
            for report in fitting.fit_organization(session, organization_id=org_id, now=deps.now()):
                click.echo(f"{report.scope}: {report.outcome} - {report.detail}")

    @app.cli.group("media")
    def media() -> None:
        """Uploaded media."""

    @media.command("gc")
    @click.option("--grace-days", default=7, show_default=True, help="Keep newer uploads")
    def media_gc(grace_days: int) -> None:
        """Delete media nothing uses any more (published versions included); safe to
        run twice."""
        collected = media_lifecycle.collect(
            deps.session(),
            deps.media_store(),
            now=deps.now(),
            grace=dt.timedelta(days=grace_days),
        )
        click.echo(f"deleted {collected.assets} media and {collected.objects} stored objects")

    @media.command("purge-organization")
    @click.argument("organization_id", type=int)
    @click.confirmation_option(prompt="Delete every media file of this organization?")
    def media_purge(organization_id: int) -> None:
        """Delete an organization's media (when the organization leaves)."""
        collected = media_lifecycle.purge_organization(
            deps.session(), deps.media_store(), organization_id
        )
        click.echo(f"deleted {collected.assets} media and {collected.objects} stored objects")

    @app.cli.command("worker")
    @click.option("--once", is_flag=True, help="Plan and dispatch one round, then exit")
    def worker(once: bool) -> None:
        """Plan reminders and dispatch the outbox until SIGTERM."""
        config: Config = current_app.config["BITEWISE"]
        gateway = make_gateway(config, deps.firebase_app())
        # Its own engine. A sending thread holds a connection only while it records an
        # outcome, so a few connections serve many threads: at most 12 per worker, which
        # keeps many workers inside PostgreSQL's max_connections.
        engine = create_engine_for(
            config.sqlalchemy_url, pool_size=min(config.worker_threads, 8), max_overflow=4
        )
        runner = Worker(
            engine=engine,
            gateway=gateway,
            clock=current_app.extensions["bitewise.clock"],
            batch_size=config.worker_batch_size,
            threads=config.worker_threads,
            plan_every=config.plan_every,
            claim_ttl=config.claim_ttl,
            retry_base=config.retry_base,
        )
        heap.settle()
        stop = threading.Event()
        if once:
            runner.plan()
            runner.dispatcher.run_once()
            runner.dispatcher.close()
            return
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stop.set())
        runner.run(stop)

    @app.cli.command("release")
    def release() -> None:
        """The Procfile's release step: check the configuration, migrate, say what changed."""
        from alembic import command
        from alembic.config import Config as AlembicConfig
        from alembic.runtime.migration import MigrationContext

        config: Config = current_app.config["BITEWISE"]
        engine = create_engine_for(config.sqlalchemy_url)

        def revision() -> str | None:
            with engine.connect() as connection:
                return MigrationContext.configure(connection).get_current_revision()

        before = revision()
        alembic = AlembicConfig(str(SPEC_PATH.parent.parent / "alembic.ini"))
        with engine.begin() as connection:
            alembic.attributes["connection"] = connection
            command.upgrade(alembic, "head")
        after = revision()
        engine.dispose()
        change = "no migration to apply" if before == after else f"migrated {before} -> {after}"
        click.echo(
            f"release: configuration valid for {config.environment}; database at {after} ({change})"
        )

    @app.cli.command("spec")
    @click.option("--check", is_flag=True, help="Fail if the committed spec is stale")
    def spec(check: bool) -> None:
        """Write openapi/openapi.json from the code."""
        text = render_spec(current_app._get_current_object())  # type: ignore[attr-defined]
        if check:
            if not SPEC_PATH.exists() or SPEC_PATH.read_text() != text:
                raise click.ClickException("openapi/openapi.json is stale: run `bin/spec`.")
            click.echo("openapi/openapi.json is current")
            return
        SPEC_PATH.write_text(text)
        click.echo(f"wrote {SPEC_PATH}")
