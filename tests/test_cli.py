"""Operator commands: bootstrap an organization, load the demo, mint development tokens."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.config import Config
from api.models import Module, ModuleStatus, Organization, Role, User
from tests.conftest import auth


def test_org_create_invites_the_first_admin(app: Flask, db: Session) -> None:
    result = app.test_cli_runner().invoke(
        args=["org", "create", "--name", "Acme", "--admin-email", "Ops@Acme.example"]
    )
    assert result.exit_code == 0, result.output
    admin = db.scalar(select(User).where(User.email == "ops@acme.example"))
    assert admin is not None and admin.role is Role.ADMIN and admin.firebase_uid is None
    assert db.get(Organization, admin.organization_id).name == "Acme"


def test_demo_load_is_idempotent_and_gives_working_content(app: Flask, db: Session) -> None:
    runner = app.test_cli_runner()
    assert "loaded" in runner.invoke(args=["demo", "load"]).output
    assert "already" in runner.invoke(args=["demo", "load"]).output
    assert db.scalar(select(func.count()).select_from(Organization)) == 1
    modules = db.scalars(select(Module)).all()
    assert len(modules) == 2 and {m.status for m in modules} == {ModuleStatus.PUBLISHED}
    lena = db.scalar(select(User).where(User.email == "lena@demo.bitewise.example"))
    client = app.test_client()
    response = client.get("/learn/modules", headers=auth(lena, uid="demo-lena"))
    assert response.status_code == 200
    assert len(response.get_json()) == 2
    feed = client.get("/team/feed", headers=auth(lena, uid="demo-lena")).get_json()
    kinds = sorted((e["kind"], e["author"] is None) for e in feed)
    # A named and an anonymous reflection, an anonymous question with two answers.
    assert kinds == [("question", True), ("reflection", False), ("reflection", True)]
    [question] = [e for e in feed if e["kind"] == "question"]
    assert question["answers"] == 2
    [prompt] = client.get("/learn/prompts", headers=auth(lena, uid="demo-lena")).get_json()
    assert (
        prompt["status"] == "open" and prompt["module_title"] == "Running a blameless retrospective"
    )


def test_the_demo_module_shows_an_image_and_plays_an_audio_clip(app: Flask, db: Session) -> None:
    app.test_cli_runner().invoke(args=["demo", "load"])
    lena = db.scalar(select(User).where(User.email == "lena@demo.bitewise.example"))
    client = app.test_client()
    headers = auth(lena, uid="demo-lena")
    catalog = client.get("/learn/modules", headers=headers).get_json()
    [feedback] = [m for m in catalog if m["title"] == "Giving useful feedback"]
    module = client.get(f"/learn/modules/{feedback['id']}", headers=headers).get_json()
    card, clip = module["media"]
    assert module["lessons"][0]["lead_media_id"] == card["id"]
    assert f"media:{clip['id']}" in module["lessons"][0]["body_markdown"]
    assert card["kind"] == "image" and card["alt_text"] and card["placeholder"]
    assert clip["kind"] == "audio" and clip["transcript"] and clip["duration_ms"] > 500
    for url in (card["renditions"][0]["url"], clip["url"]):
        assert client.get(url, buffered=True).status_code == 200


def test_the_demo_shows_analytics_within_the_privacy_rules(app: Flask, db: Session) -> None:
    """The demo team has more than K learners who practised in a week that has ended, so
    its admin sees figures: seven learners, six with practice."""
    app.test_cli_runner().invoke(args=["demo", "load"])
    admin = db.scalar(select(User).where(User.email == "admin@demo.bitewise.example"))
    assert admin is not None and admin.team_id is None
    client = app.test_client()
    [team] = client.get("/teams", headers=auth(admin)).get_json()
    report = client.get(f"/analytics?team_id={team['id']}", headers=auth(admin)).get_json()
    assert report["withheld"] is False
    assert report["group"]["learners"] == 7 >= report["group"]["min_group_size"]
    assert report["recall"]["now"] is not None and report["hard_items"]
    last_week = report["participation"][-1]
    assert last_week["active_learners"] is not None
    withheld = {}
    for module in client.get("/modules", headers=auth(admin)).get_json():
        report = client.get(
            f"/analytics?team_id={team['id']}&module_id={module['id']}", headers=auth(admin)
        ).get_json()
        withheld[module["title"]] = report["withheld"]
    # Nobody in the team took the module that is not assigned: withheld, as it should be.
    assert withheld == {"Running a blameless retrospective": False, "Giving useful feedback": True}


def test_demo_token_signs_in_the_demo_learner(app: Flask, db: Session) -> None:
    runner = app.test_cli_runner()
    runner.invoke(args=["demo", "load"])
    token = runner.invoke(args=["demo", "token", "sam@demo.bitewise.example"]).output.strip()
    response = app.test_client().get("/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert response.get_json()["display_name"] == "Sam Okafor"


def test_demo_token_refuses_without_emulator_mode(config: Config, connection, clock) -> None:
    from api import create_app

    app = create_app(config.with_overrides(firebase_auth_emulator_host=None), bind=connection)
    result = app.test_cli_runner().invoke(args=["demo", "token", "x@y.example"])
    assert result.exit_code != 0
    assert "FIREBASE_AUTH_EMULATOR_HOST" in result.output
