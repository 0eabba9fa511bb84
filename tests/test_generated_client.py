"""An admin's whole workflow through a client generated from openapi/openapi.json.

The client is generated here, from the committed spec, by openapi-python-client (never
edited by hand), and drives a real gunicorn on 127.0.0.1: a spec change that breaks
generated clients, or a server that answers something its spec does not say, fails here.
"""

from __future__ import annotations

import datetime as dt
import importlib
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from sqlalchemy.orm import Session

from api.demo import load_demo
from api.dev_tokens import emulator_id_token
from api.services import membership
from tests.databases import migrated_engine
from tests.live import BIN, PROJECT_ID, ROOT, live_server

SPEC = ROOT / "openapi" / "openapi.json"
LEARNERS = 5  # the organization's K: analytics show a group of five


def generate_client(directory: Path) -> None:
    """The documented command (README, "Admin quick start"), its config included."""
    config = ROOT / "clients" / "openapi-python-client.yaml"
    result = subprocess.run(
        [
            str(BIN / "openapi-python-client"),
            "generate",
            "--path",
            str(SPEC),
            "--output-path",
            str(directory / "bitewise_client"),
            "--meta",
            "none",
            "--config",
            str(config),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    # Parts of the spec the generator had to skip, or a hook that found no ruff on PATH.
    assert "Warning" not in output and "ruff" not in output, output


@pytest.fixture(scope="module")
def bitewise_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    directory = tmp_path_factory.mktemp("generated")
    generate_client(directory)
    sys.path.insert(0, str(directory))
    try:
        yield importlib.import_module("bitewise_client")
    finally:
        sys.path.remove(str(directory))
        for name in [m for m in sys.modules if m.partition(".")[0] == "bitewise_client"]:
            del sys.modules[name]


def token(email: str) -> str:
    return emulator_id_token(project_id=PROJECT_ID, uid=f"uid-{email}", email=email)


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_an_admin_runs_the_whole_workflow_through_the_generated_client(
    bitewise_client: ModuleType, kind: str, tmp_path: Path
) -> None:
    c = bitewise_client
    from bitewise_client.api.analytics import get_analytics
    from bitewise_client.api.authoring import create_module, get_module, publish_module
    from bitewise_client.api.enrollments import assign_module, list_enrollments
    from bitewise_client.api.learning import module_studied
    from bitewise_client.api.me import get_me
    from bitewise_client.api.practice import upload_reviews
    from bitewise_client.api.teams import create_team
    from bitewise_client.api.users import invite_user
    from bitewise_client.api.xapi import list_xapi_statements
    from bitewise_client.models import (
        Assign,
        Error,
        Invite,
        ModuleCreate,
        ReviewBatch,
        Team,
        TeamIn,
        User,
    )

    with migrated_engine(kind, tmp_path) as engine:
        with Session(engine) as session:
            # An organization in use for a while (analytics release weeks that have ended)
            # whose admin turned on the detailed xAPI export.
            org, _ = membership.create_organization(
                session,
                name="Client Co",
                admin_email="ops@client.example",
                now=dt.datetime.now(dt.UTC) - dt.timedelta(days=14),
            )
            org.xapi_scope = "activity"
            session.commit()
        with live_server(engine.url.render_as_string(hide_password=False)) as url:
            admin = c.AuthenticatedClient(base_url=url, token=token("ops@client.example"))
            me = get_me.sync(client=admin)
            assert me.role.value == "admin"

            team = create_team.sync(client=admin, body=TeamIn.from_dict({"name": "Support"}))
            assert isinstance(team, Team) and team.name == "Support"
            emails = [f"learner{n}@client.example" for n in range(LEARNERS)]
            for email in emails:
                invited = invite_user.sync(
                    client=admin, body=Invite.from_dict({"email": email, "team_id": team.id})
                )
                assert isinstance(invited, User) and invited.team_id == team.id

            module = create_module.sync(
                client=admin,
                body=ModuleCreate.from_dict(
                    {
                        "title": "Saying no well",
                        "estimated_minutes": 8,
                        "visibility": "assigned",
                        "application_prompt": "Decline one request today with a trade-off.",
                        "lessons": [
                            {
                                "title": "Trade-offs",
                                "body_markdown": "Offer what you would drop.",
                                "items": [
                                    {
                                        "kind": "true_false",
                                        "prompt": "Naming a trade-off helps a no land well.",
                                        "answer": {"value": True},
                                    }
                                ],
                            }
                        ],
                    }
                ),
            )
            assert module.status.value == "draft" and module.version == 0
            published = publish_module.sync(client=admin, module_id=module.id)
            assert published.status.value == "published" and published.version == 1
            refused = create_team.sync(client=admin, body=TeamIn.from_dict({"name": "Support"}))
            assert isinstance(refused, Error) and refused.code == 409  # the error shape, typed

            assign_module.sync(
                client=admin, body=Assign.from_dict({"module_id": module.id, "team_id": team.id})
            )
            enrollments = list_enrollments.sync(client=admin, module_id=module.id, page_size=50)
            assert len(enrollments) == LEARNERS

            [item] = get_module.sync(client=admin, module_id=module.id).lessons[0].items
            now = dt.datetime.now(dt.UTC)
            for n, email in enumerate(emails):
                learner = c.AuthenticatedClient(base_url=url, token=token(email))
                assert get_me.sync(client=learner).email == email  # first sign-in links them
                done = module_studied.sync_detailed(client=learner, module_id=module.id)
                assert done.status_code == 200
                batch = ReviewBatch.from_dict(
                    {
                        "reviews": [
                            {
                                "id": f"answer-{n}",
                                "item_id": item.id,
                                "answered_at": now.isoformat(),
                                "duration_ms": 4000,
                                "answer": {"value": True},
                            }
                        ]
                    }
                )
                [outcome] = upload_reviews.sync(client=learner, body=batch).results
                assert outcome.status == "accepted"

            # The latest week that has ended, released now over today's members.
            last_week = now.date() - dt.timedelta(days=7)
            report = get_analytics.sync(
                client=admin, team_id=team.id, module_id=module.id, since=last_week, until=last_week
            )
            assert report.withheld is False
            assert report.enrollment["completed"] == LEARNERS

            # The export leaves out the last 5 s (transactions that may still commit).
            time.sleep(5.5)
            statements = list_xapi_statements.sync(
                client=admin, since=now - dt.timedelta(hours=1), limit=50
            ).statements
            verbs = sorted(s.verb.to_dict()["display"]["en-US"] for s in statements)
            assert verbs == ["answered"] * LEARNERS + ["completed"] * LEARNERS
            assert all("@" not in str(s.actor.to_dict()) for s in statements)  # pseudonymous


def readme_block(after: str) -> str:
    """The first ```python block of the README after the line containing ``after``."""
    text = (ROOT / "README.md").read_text()
    start = text.index("```python\n", text.index(after)) + len("```python\n")
    return text[start : text.index("```\n", start)]


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_the_readme_python_example_runs_against_the_demo(kind: str, tmp_path: Path) -> None:
    """The README's Python block, as written, from a directory holding build/, against a
    live demo: it used to create a module that could not be published and say nothing."""
    generate_client(tmp_path / "build")
    with migrated_engine(kind, tmp_path) as engine:
        with Session(engine) as session:
            load_demo(session, now=dt.datetime.now(dt.UTC))
        with live_server(engine.url.render_as_string(hide_password=False)) as url:
            result = subprocess.run(
                [sys.executable, "-c", readme_block("Then,\nfrom the repository root")],
                cwd=tmp_path,
                env={"BITEWISE_URL": url, "ADMIN_TOKEN": token("admin@demo.bitewise.example")},
                capture_output=True,
                text=True,
                timeout=60,
            )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == "module 3 assigned; team analytics withheld: False"
