"""Media in lessons and items: only the organization's own, texts before publishing, a
new item when the picture changes what is asked, and an offline pack a phone can check."""

from __future__ import annotations

import copy
import hashlib
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from api.resources.modules.schemas import MODULE_CREATE_EXAMPLE
from tests.conftest import auth
from tests.factories import EnrollmentFactory, UserFactory
from tests.media import samples
from tests.media.test_upload import fetch, upload


@pytest.fixture
def admin(db: Session):
    return UserFactory(admin=True)


def module_with_media(client: FlaskClient, admin, tmp_path: Path, *, texts: bool) -> dict:
    photo = upload(client, admin, samples.photo(900, 600, gps=False), alt_text="")
    clip = upload(client, admin, samples.m4a(tmp_path, 1.0))
    icons = [upload(client, admin, samples.photo(200 + n, 200, gps=False)) for n in range(3)]
    ids = {
        "photo": photo.get_json()["id"],
        "clip": clip.get_json()["id"],
        "icons": [i.get_json()["id"] for i in icons],
    }
    body = copy.deepcopy(MODULE_CREATE_EXAMPLE)
    lesson = body["lessons"][0]
    lesson["lead_media_id"] = ids["photo"]
    lesson["body_markdown"] += f"\n\nListen: ![How it sounds](media:{ids['clip']})"
    lesson["items"][0]["prompt_media_id"] = ids["clip"]
    lesson["items"][0]["option_media_ids"] = ids["icons"]
    created = client.post("/modules", json=body, headers=auth(admin))
    assert created.status_code == 201, created.get_json()
    if texts:
        for media_id in (ids["photo"], *ids["icons"]):
            client.patch(f"/media/{media_id}", json={"alt_text": "An icon."}, headers=auth(admin))
        client.patch(f"/media/{ids['clip']}", json={"transcript": "A tone."}, headers=auth(admin))
    return {**created.get_json(), "media_ids": ids}


def test_publishing_waits_for_alt_text_and_transcripts(
    client: FlaskClient, admin, tmp_path: Path
) -> None:
    module = module_with_media(client, admin, tmp_path, texts=False)
    refused = client.post(f"/modules/{module['id']}/publish", headers=auth(admin))
    assert refused.status_code == 422
    body = refused.get_json()
    assert body["error"] == "media_text_missing"
    assert f"image {module['media_ids']['photo']} has no alt text" in body["message"]
    assert f"audio {module['media_ids']['clip']} has no transcript" in body["message"]
    for media_id in (module["media_ids"]["photo"], *module["media_ids"]["icons"]):
        client.patch(f"/media/{media_id}", json={"alt_text": "An icon."}, headers=auth(admin))
    still = client.post(f"/modules/{module['id']}/publish", headers=auth(admin))
    assert still.status_code == 422 and "photo" not in still.get_json()["message"]
    client.patch(
        f"/media/{module['media_ids']['clip']}", json={"transcript": "A tone."}, headers=auth(admin)
    )
    assert client.post(f"/modules/{module['id']}/publish", headers=auth(admin)).status_code == 200


def test_another_organizations_media_cannot_be_attached(
    client: FlaskClient, admin, db: Session
) -> None:
    stranger = UserFactory(admin=True)
    theirs = upload(client, stranger, samples.photo(300, 200, gps=False), alt_text="x").get_json()
    body = copy.deepcopy(MODULE_CREATE_EXAMPLE)
    body["lessons"][0]["lead_media_id"] = theirs["id"]
    refused = client.post("/modules", json=body, headers=auth(admin))
    assert refused.status_code == 422 and refused.get_json()["error"] == "media_not_found"
    body = copy.deepcopy(MODULE_CREATE_EXAMPLE)
    body["lessons"][0]["body_markdown"] = f"![theirs](media:{theirs['id']})"
    assert client.post("/modules", json=body, headers=auth(admin)).status_code == 422
    body = copy.deepcopy(MODULE_CREATE_EXAMPLE)
    body["lessons"][0]["items"][0]["option_media_ids"] = [theirs["id"], None, None]
    assert client.post("/modules", json=body, headers=auth(admin)).status_code == 422


def test_a_new_picture_on_a_published_item_makes_a_new_item(
    client: FlaskClient, admin, tmp_path: Path
) -> None:
    module = module_with_media(client, admin, tmp_path, texts=True)
    assert client.post(f"/modules/{module['id']}/publish", headers=auth(admin)).status_code == 200
    item = module["lessons"][0]["items"][0]
    other = upload(client, admin, samples.photo(320, 320, gps=False), alt_text="A face.")
    changed = client.patch(
        f"/items/{item['id']}",
        json={"option_media_ids": [other.get_json()["id"], None, None]},
        headers=auth(admin),
    )
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["id"] != item["id"]
    old = client.get(f"/items/{item['id']}", headers=auth(admin)).get_json()
    assert old["replaced_by_id"] == changed.get_json()["id"]
    # Wording alone keeps the item (and the learners' memory of it).
    reworded = client.patch(
        f"/items/{changed.get_json()['id']}", json={"prompt": "Which part?"}, headers=auth(admin)
    )
    assert reworded.get_json()["id"] == changed.get_json()["id"]


def test_a_learner_reads_the_media_and_downloads_the_offline_pack(
    client: FlaskClient, admin, db: Session, tmp_path: Path
) -> None:
    module = module_with_media(client, admin, tmp_path, texts=True)
    assert client.post(f"/modules/{module['id']}/publish", headers=auth(admin)).status_code == 200
    learner = UserFactory(organization=admin.organization)
    EnrollmentFactory(user=learner, module_id=module["id"])
    read = client.get(f"/learn/modules/{module['id']}", headers=auth(learner)).get_json()
    ids = module["media_ids"]
    assert read["lessons"][0]["lead_media_id"] == ids["photo"]
    assert read["lessons"][0]["items"][0]["option_media_ids"] == ids["icons"]
    assert [m["id"] for m in read["media"]] == [ids["photo"], ids["clip"], *ids["icons"]]
    pack = client.get(f"/learn/modules/{module['id']}/offline-pack", headers=auth(learner))
    assert pack.status_code == 200 and pack.headers["ETag"]
    files = pack.get_json()["files"]
    # One 640-px (or smaller) WebP per image, the audio as uploaded.
    assert [(f["media_id"], f["name"]) for f in files] == [
        (ids["photo"], "w640.webp"),
        (ids["clip"], "original"),
        *((i, f"w{200 + n}.webp") for n, i in enumerate(ids["icons"])),
    ]
    assert pack.get_json()["total_bytes"] == sum(f["size_bytes"] for f in files)
    for entry in files:
        got = fetch(client, entry["url"])
        assert got.status_code == 200 and got.mimetype == entry["content_type"]
        assert len(got.data) == entry["size_bytes"]
        assert hashlib.sha256(got.data).hexdigest() == entry["sha256"]
    again = client.get(
        f"/learn/modules/{module['id']}/offline-pack",
        headers={**auth(learner), "If-None-Match": pack.headers["ETag"]},
    )
    assert again.status_code == 304
    stranger = UserFactory()  # another organization
    assert (
        client.get(
            f"/learn/modules/{module['id']}/offline-pack", headers=auth(stranger)
        ).status_code
        == 404
    )


def test_a_published_item_cannot_take_a_picture_without_alt_text(
    client: FlaskClient, admin, tmp_path: Path
) -> None:
    module = module_with_media(client, admin, tmp_path, texts=True)
    assert client.post(f"/modules/{module['id']}/publish", headers=auth(admin)).status_code == 200
    item = module["lessons"][0]["items"][0]
    bare = upload(client, admin, samples.photo(330, 330, gps=False)).get_json()
    changed = client.patch(
        f"/items/{item['id']}",
        json={"option_media_ids": [bare["id"], None, None]},
        headers=auth(admin),
    )
    assert changed.status_code == 422, changed.get_json()
    assert changed.get_json()["error"] == "media_text_missing"
