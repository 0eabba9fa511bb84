"""The spec as a mobile team meets it: linted, generated into TypeScript, run for real.

openapi/openapi.json must lint clean under Redocly CLI and Spectral (every rule the two
ship, but those openapi/redocly.yaml and openapi/.spectral.yaml turn off and say why); a
TypeScript client generated from it (@hey-api/openapi-ts, zod) must type-check under
``tsc --strict``; and that client must run a learner's whole flow against a real gunicorn,
with every response validated at runtime against the spec (clients/typescript/flow.ts).

bin/test installs the Node tools (``npm ci`` in clients/typescript); without them these
tests skip, unless BITEWISE_REQUIRE_NODE=1 (bin/test sets it) makes that a failure.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from api import create_app
from api.clock import FixedClock
from api.config import Config
from api.dev_tokens import emulator_id_token
from api.models import Notification
from api.services import membership
from tests.databases import migrated_engine
from tests.live import PROJECT_ID, ROOT, live_server

CLIENT = ROOT / "clients" / "typescript"
TOOLS = CLIENT / "node_modules" / ".bin"
SPEC = ROOT / "openapi" / "openapi.json"
ADMIN, LEARNER, TEAMMATE = "ops@ts.example", "lea@ts.example", "tom@ts.example"

# What the issue asked the flow to cover, by operation (clients/typescript/flow.ts).
LEARNER_FLOW = {
    "study_module", "lesson_studied", "module_studied",  # read, study
    "get_practice_set", "upload_reviews",  # practise, batches (twice, offline)
    "get_my_progress", "list_my_recaps",
    "register_device", "list_my_devices", "get_my_reminders", "update_my_reminders",
    "list_my_notifications", "notification_opened",  # inbox
    "ask_team", "answer_question", "get_question", "get_team_feed",  # team
}  # fmt: skip


def tool(name: str) -> str:
    path = TOOLS / name
    if not path.exists() or shutil.which("node") is None:
        if os.environ.get("BITEWISE_REQUIRE_NODE") == "1":
            pytest.fail(f"{path} is missing: bin/test runs npm ci", pytrace=False)
        pytest.skip("Node tools are not installed (bin/test runs npm ci in clients/typescript)")
    return str(path)


def run(*command: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command, cwd=CLIENT, capture_output=True, text=True, timeout=300, env=env, check=False
    )


def test_redocly_finds_no_errors_and_no_warnings() -> None:
    result = run(
        tool("redocly"),
        "lint",
        str(SPEC),
        "--config",
        str(ROOT / "openapi" / "redocly.yaml"),
        "--format=json",
    )
    report = json.loads(result.stdout)
    problems = [f"{p['ruleId']}: {p['message']}" for p in report["problems"]]
    assert problems == [] and result.returncode == 0, result.stderr
    assert report["totals"] == {"errors": 0, "warnings": 0, "ignored": 2}  # the two probes


def test_spectral_finds_nothing(tmp_path: Path) -> None:
    output = tmp_path / "spectral.json"
    result = run(
        tool("spectral"),
        "lint",
        str(SPEC),
        "--ruleset",
        str(ROOT / "openapi" / ".spectral.yaml"),
        "--format=json",
        f"--output={output}",
        "--fail-severity=hint",
    )
    findings = json.loads(output.read_text())
    assert [f"{f['code']} at {f['path']}" for f in findings] == [], result.stderr
    assert result.returncode == 0, result.stderr


@pytest.fixture(scope="module")
def compiled() -> Path:
    """The generated client and the flow, compiled with tsc --strict (no type errors)."""
    openapi_ts, tsc = tool("openapi-ts"), tool("tsc")
    shutil.rmtree(CLIENT / "generated", ignore_errors=True)
    shutil.rmtree(CLIENT / "build", ignore_errors=True)
    generated = run(openapi_ts)
    assert generated.returncode == 0, generated.stdout + generated.stderr
    built = run(tsc, "-p", "tsconfig.json")
    assert built.returncode == 0, built.stdout + built.stderr
    return CLIENT / "build" / "flow.js"


def test_the_generated_client_type_checks_under_strict(compiled: Path) -> None:
    config = json.loads((CLIENT / "tsconfig.json").read_text())
    assert config["compilerOptions"]["strict"] is True
    assert compiled.exists()
    # The flow's @ts-expect-error lines hold only if the types are strict where the spec is.
    assert "@ts-expect-error" in (CLIENT / "flow.ts").read_text()


def token(email: str) -> str:
    return emulator_id_token(project_id=PROJECT_ID, uid=f"uid-{email}", email=email)


def a_month_ago(engine: Engine, learner_id: int, now: dt.datetime) -> None:
    """The learner studied another module a month ago and practised it once, through the
    API of an app whose clock says so: by now, that module is due for a recap."""
    config = Config(
        environment="test",
        database_url="sqlite://",  # unused: bound to the test's engine
        firebase_project_id=PROJECT_ID,
        firebase_auth_emulator_host="127.0.0.1:9099",
        log_json=False,
        log_level="WARNING",
    )
    then = now - dt.timedelta(days=30)
    client = create_app(config, bind=engine, clock=FixedClock(then)).test_client()
    admin = {"Authorization": f"Bearer {token(ADMIN)}"}
    learner = {"Authorization": f"Bearer {token(LEARNER)}"}
    module = {
        "title": "Saying no well",
        "estimated_minutes": 5,
        "visibility": "assigned",
        "lessons": [
            {
                "title": "Trade-offs",
                "key_points": ["Offer what you would drop."],
                "items": [
                    {"kind": "true_false", "prompt": "A no can name a trade-off.",
                     "answer": {"value": True}},
                    {"kind": "true_false", "prompt": "A no needs an apology.",
                     "answer": {"value": False}},
                ],
            }
        ],
    }  # fmt: skip
    created = client.post("/modules", json=module, headers=admin).get_json()
    assert client.post(f"/modules/{created['id']}/publish", headers=admin).status_code == 200
    assign = {"module_id": created["id"], "user_id": learner_id}
    assert client.post("/enrollments", json=assign, headers=admin).status_code == 201
    assert client.get("/me", headers=learner).status_code == 200  # accepts the invitation
    studied = client.post(f"/learn/modules/{created['id']}/studied", headers=learner)
    assert studied.status_code == 200
    items = created["lessons"][0]["items"]
    reviews = [
        {
            "id": f"old-{item['id']}",
            "item_id": item["id"],
            "answer": {"value": item["answer"]["value"]},
            "answered_at": then.isoformat(),
        }
        for item in items
    ]
    uploaded = client.post("/learn/reviews", json={"reviews": reviews}, headers=learner)
    assert uploaded.get_json()["accepted"] == len(items), uploaded.get_json()


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_a_learners_flow_through_the_typescript_client(
    compiled: Path, kind: str, tmp_path: Path
) -> None:
    with migrated_engine(kind, tmp_path) as engine:
        with Session(engine) as session:
            now = dt.datetime.now(dt.UTC)
            _, admin = membership.create_organization(
                session, name="TS Co", admin_email=ADMIN, now=now
            )
            learner = membership.invite_user(
                session, actor=admin, data={"email": LEARNER, "locale": "de"}, now=now
            )
            # A push the worker sent an hour ago, for the inbox.
            sent = now - dt.timedelta(hours=1)
            session.add(
                Notification(
                    organization_id=learner.organization_id,
                    user_id=learner.id,
                    kind="practice",
                    dedupe_key=f"practice:{sent.date()}",
                    payload={"kind": "practice", "due": 3, "minutes": 1,
                             "deep_link": "bitewise://practice"},
                    send_at=sent, expires_at=sent + dt.timedelta(hours=8), status="sent",
                    created_at=sent, sent_at=sent,
                )
            )  # fmt: skip
            session.commit()
            learner_id = learner.id
        a_month_ago(engine, learner_id, now)
        with live_server(engine.url.render_as_string(hide_password=False)) as base_url:
            env = {
                **os.environ,
                "BITEWISE_URL": base_url,
                "ADMIN_TOKEN": token(ADMIN),
                "LEARNER_TOKEN": token(LEARNER),
                "TEAMMATE_TOKEN": token(TEAMMATE),
                "LEARNER_EMAIL": LEARNER,
                "TEAMMATE_EMAIL": TEAMMATE,
            }
            result = subprocess.run(
                ["node", str(compiled)], capture_output=True, text=True, timeout=120, env=env
            )
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    operations = {c["operation"] for c in report["checked"]}
    assert operations >= LEARNER_FLOW, LEARNER_FLOW - operations
    assert len(report["checked"]) >= 45
    refusals = [c for c in report["checked"] if c["status"] >= 400]
    assert {c["status"] for c in refusals} == {401, 403, 404}
