"""Media lifecycle: unused files go after a grace period, never what a published version
shows; a learner's export carries no organization media; a leaving organization's go."""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.models import MediaAsset
from api.resources.modules.schemas import MODULE_CREATE_EXAMPLE
from api.services import media_lifecycle
from tests.conftest import auth
from tests.factories import EnrollmentFactory, UserFactory
from tests.media import samples
from tests.media.test_upload import upload


@pytest.fixture
def admin(db: Session):
    return UserFactory(admin=True)


def image(client: FlaskClient, admin, width: int) -> int:
    response = upload(client, admin, samples.photo(width, 200, gps=False), alt_text="A chart.")
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def files_of(config, organization_id: int) -> set[str]:
    root = Path(config.media_dir) / str(organization_id)
    return {p.relative_to(root).parts[0] for p in root.rglob("*") if p.is_file()}


def test_gc_keeps_what_content_and_published_versions_use_and_is_safe_twice(
    client: FlaskClient, admin, app: Flask, db: Session, clock, config
) -> None:
    lead, replaced, unused = (image(client, admin, w) for w in (300, 310, 320))
    body = copy.deepcopy(MODULE_CREATE_EXAMPLE)
    body["lessons"][0]["lead_media_id"] = replaced
    module = client.post("/modules", json=body, headers=auth(admin)).get_json()
    assert client.post(f"/modules/{module['id']}/publish", headers=auth(admin)).status_code == 200
    lesson_id = module["lessons"][0]["id"]
    # Version 2 shows another lead image; version 1's snapshot still names the first.
    assert (
        client.patch(
            f"/lessons/{lesson_id}", json={"lead_media_id": lead}, headers=auth(admin)
        ).status_code
        == 200
    )
    clock.advance(dt.timedelta(days=8))
    recent = image(client, admin, 340)  # within the grace period: about to be attached
    sha = {a.id: a.sha256 for a in db.scalars(select(MediaAsset))}
    before = files_of(config, admin.organization_id)
    assert before == set(sha.values())

    store = app.extensions["bitewise.media"]
    first = media_lifecycle.collect(db, store, now=clock.now())
    # The unused image: its upload and its one width in WebP and JPEG.
    assert (first.assets, first.objects) == (1, 3)
    kept = {a.id for a in db.scalars(select(MediaAsset))}
    assert kept == {lead, replaced, recent}
    assert files_of(config, admin.organization_id) == before - {sha[unused]}
    again = media_lifecycle.collect(db, store, now=clock.now())
    assert (again.assets, again.objects) == (0, 0)


def test_a_leaving_organizations_media_are_purged_and_no_one_elses(
    client: FlaskClient, admin, app: Flask, db: Session, config
) -> None:
    image(client, admin, 300)
    stranger = UserFactory(admin=True)
    theirs = image(client, stranger, 300)
    store = app.extensions["bitewise.media"]
    purged = media_lifecycle.purge_organization(db, store, admin.organization_id)
    assert purged.assets == 1 and purged.objects > 0
    assert files_of(config, admin.organization_id) == set()
    assert [a.id for a in db.scalars(select(MediaAsset))] == [theirs]
    assert files_of(config, stranger.organization_id)


def test_a_learners_export_holds_no_organization_media(
    client: FlaskClient, admin, db: Session
) -> None:
    photo = image(client, admin, 300)
    body = copy.deepcopy(MODULE_CREATE_EXAMPLE)
    body["lessons"][0]["lead_media_id"] = photo
    module = client.post("/modules", json=body, headers=auth(admin)).get_json()
    client.post(f"/modules/{module['id']}/publish", headers=auth(admin))
    learner = UserFactory(organization=admin.organization)
    EnrollmentFactory(user=learner, module_id=module["id"])
    export = client.get("/me/export", headers=auth(learner))
    assert export.status_code == 200
    text = export.get_data(as_text=True)
    sha = db.get(MediaAsset, photo).sha256
    assert sha not in text and "/media/files/" not in text
