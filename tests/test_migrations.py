"""The migrations build exactly the schema the models describe, and can be undone."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect

from api.models import Base


def test_migrations_match_the_models(engine: Engine) -> None:
    with engine.connect() as connection:
        diff = compare_metadata(
            MigrationContext.configure(connection, opts={"compare_type": True}), Base.metadata
        )
    assert diff == [], f"models and migrations drifted; write a migration: {diff}"


def test_every_model_table_exists(engine: Engine) -> None:
    tables = set(inspect(engine).get_table_names())
    assert set(Base.metadata.tables) <= tables


def test_a_downgrade_that_would_delete_data_refuses_unless_told(tmp_path) -> None:
    """`alembic downgrade -2` used to drop data without a word."""
    import argparse
    import datetime as dt

    import pytest
    from alembic import command
    from alembic.config import Config as AlembicConfig
    from sqlalchemy import text

    from api.db import create_engine_for
    from api.migration_guard import DataLossRefused
    from tests.databases import ROOT, migrate

    engine = create_engine_for(f"sqlite:///{tmp_path / 'down.db'}")
    migrate(engine)

    def downgrade(to: str, *extra: str) -> None:
        cfg = AlembicConfig(str(ROOT / "alembic.ini"))
        cfg.cmd_opts = argparse.Namespace(x=list(extra))
        with engine.begin() as connection:
            cfg.attributes["connection"] = connection
            command.downgrade(cfg, to)

    downgrade("0011")  # worker heartbeats only: nothing of anyone's is lost
    with engine.begin() as connection:
        connection.execute(
            text("INSERT INTO organizations (name, created_at, pseudonym_key) VALUES (:n, :t, :k)"),
            {"n": "Acme", "t": dt.datetime(2026, 12, 1), "k": "k" * 64},
        )
    with pytest.raises(DataLossRefused, match=r"pseudonym key.*organizations \(1 rows\)"):
        downgrade("0010")
    downgrade("0010", "data-loss=accept")
    engine.dispose()
