"""The xAPI export against a real learning record store: Ralph (ralph-malph), on 127.0.0.1.

bin/test installs Ralph in a virtual environment of its own (``.venv-ralph``: it pins its
own FastAPI and pydantic). Every statement of a realistic period must validate against
Ralph's xAPI model, the LRS must take the export whole and give it back identical, and a
second export after edits and a late sync must add only new statements, none of the old
ids with different content.

Ralph's only local backend (files) takes one write per store: it creates its file with
each write and refuses when the file exists (``operation_type`` create). So the second
export goes to a second store, and the two are compared statement by statement.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import subprocess
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from tests.api.practice_helpers import post_reviews, review, studied_module
from tests.conftest import auth
from tests.factories import EnrollmentFactory, TeamFactory, UserFactory
from tests.live import ROOT, free_port

RALPH = Path(os.environ.get("BITEWISE_RALPH", ROOT / ".venv-ralph" / "bin" / "ralph"))
SETTLE = dt.timedelta(seconds=6)
USER, PASSWORD = "bitewise", "lrs-test-password"
VALIDATE = """
import json, sys
from ralph.models.xapi.base.statements import BaseXapiStatement
count = 0
for line in sys.stdin:
    BaseXapiStatement(**json.loads(line))
    count += 1
print(f"{count} valid")
"""


@pytest.fixture(scope="module")
def ralph() -> Path:
    if not RALPH.exists():
        if os.environ.get("BITEWISE_REQUIRE_RALPH") == "1":
            pytest.fail(f"Ralph is missing at {RALPH}: bin/test installs it", pytrace=False)
        pytest.skip("Ralph (ralph-malph) is not installed: bin/test installs it")
    return RALPH


@contextmanager
def lrs(ralph: Path, tmp: Path) -> Iterator[str]:
    tmp.mkdir()
    env = {
        **os.environ,
        "RALPH_APP_DIR": str(tmp),
        "RALPH_AUTH_FILE": str(tmp / "auth.json"),
        "RALPH_RUNSERVER_BACKEND": "fs",
        # One write per store (above): the whole batch in one chunk.
        "RALPH_BACKENDS__LRS__FS__WRITE_CHUNK_SIZE": "100000",
        "RALPH_BACKENDS__DATA__FS__WRITE_CHUNK_SIZE": "100000",
    }
    subprocess.run(
        [str(ralph), "auth", "-u", USER, "-p", PASSWORD, "-s", "all", "-w",
         "-A", "lrs", "https://xapi.bitewise.app"],
        env=env, check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    (tmp / "data").mkdir()
    port = free_port()
    log = (tmp / "ralph.log").open("wb")
    server = subprocess.Popen(
        [str(ralph), "runserver", "-b", "fs", "--fs-default-directory-path", str(tmp / "data"),
         "-h", "127.0.0.1", "-p", str(port)],
        env=env, stdout=log, stderr=log,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}/xAPI/statements"
    try:
        for _ in range(150):
            try:
                call("GET", url + "?limit=1")
                break
            except (urllib.error.URLError, ConnectionError):
                server.poll()
                assert server.returncode is None, "Ralph's LRS did not start"
                import time

                time.sleep(0.2)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


def call(method: str, url: str, body: object | None = None) -> tuple[int, object]:
    token = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    request = urllib.request.Request(
        url,
        data=None if body is None else json.dumps(body).encode(),
        method=method,
        headers={
            "Authorization": f"Basic {token}",
            "Content-Type": "application/json",
            "X-Experience-API-Version": "1.0.3",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            text = response.read()
            return response.status, json.loads(text) if text else None
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def fetch_all(url: str) -> dict[str, dict]:
    out, next_url = {}, url + "?limit=500"
    while next_url:
        status, body = call("GET", next_url)
        assert status == 200, body
        for statement in body["statements"]:
            out[statement["id"]] = statement
        more = body.get("more")
        next_url = f"{url.rsplit('/xAPI', 1)[0]}{more}" if more else None
    return out


def export(client: FlaskClient, admin, since: dt.datetime) -> list[dict]:
    out, cursor = [], 0
    while True:
        response = client.get(
            "/xapi/statements",
            query_string={"since": since.isoformat(), "cursor": cursor, "limit": 100},
            headers=auth(admin),
        )
        page = response.get_json()
        out += page["statements"]
        if not page["more"]:
            return out
        cursor = int(page["more"].rpartition("cursor=")[2])


def busy_month(client: FlaskClient, clock) -> tuple:
    """Six learners, two modules, answers right and wrong, tries at work, an erasure."""
    team = TeamFactory()
    org = team.organization
    org.xapi_scope = "activity"
    admin = UserFactory(admin=True, organization=org)
    people = [UserFactory(team=team, organization=org) for _ in range(6)]
    first, items = studied_module(people[0], items=4, completed=False, title="Feedback")
    for person in people[1:]:
        EnrollmentFactory(user=person, module=first)
    for day in range(3):
        for n, person in enumerate(people):
            answers = [
                review(i, clock.now(), right=(n + day + k) % 3 != 0) for k, i in enumerate(items)
            ]
            post_reviews(client, person, answers)
        clock.advance(dt.timedelta(days=1))
    for person in people[:4]:
        client.post(f"/learn/modules/{first.id}/studied", headers=auth(person))
        [prompt] = client.get("/learn/prompts", headers=auth(person)).get_json()
        client.post(
            f"/learn/prompts/{prompt['id']}/outcome",
            json={"outcome": "worked" if person is not people[3] else "mixed"},
            headers=auth(person),
        )
    client.post("/me/erase", json={"confirm": "delete my data"}, headers=auth(people[5]))
    clock.advance(SETTLE)
    return org, admin, people, first, items


def test_a_record_store_takes_the_export_whole_and_gives_it_back(
    ralph: Path, client: FlaskClient, db: Session, clock, tmp_path: Path
) -> None:
    start = clock.now()
    _org, admin, people, module, items = busy_month(client, clock)
    statements = export(client, admin, since=start)
    verbs = {s["verb"]["display"]["en-US"] for s in statements}
    assert verbs == {"answered", "completed", "tried", "voided"} and len(statements) > 60

    # Ralph's model of an xAPI 1.0.3 statement, in Ralph's own interpreter.
    ndjson = "".join(json.dumps(s) + "\n" for s in statements)
    valid = subprocess.run(
        [str(ralph.parent / "python"), "-c", VALIDATE], input=ndjson, capture_output=True,
        text=True, timeout=120,
    )  # fmt: skip
    assert valid.returncode == 0, valid.stderr[-3000:]
    assert valid.stdout.strip() == f"{len(statements)} valid"

    with lrs(ralph, tmp_path / "first") as url:
        status, stored_ids = call("POST", url, statements)
        assert status == 200, stored_ids
        assert sorted(stored_ids) == sorted(s["id"] for s in statements)
        first = fetch_all(url)
    voided = {s["object"]["id"] for s in statements if s["verb"]["display"]["en-US"] == "voided"}
    for statement in statements:
        if statement["id"] in voided:
            continue  # an LRS hides voided statements from queries, as it must
        got = first[statement["id"]]
        for field in ("actor", "verb", "object", "result", "context", "timestamp"):
            assert got.get(field) == statement.get(field), (field, statement["id"])

    # Edits and a late sync; the consumer exports the same window again.
    client.patch(f"/modules/{module.id}", json={"title": "Feedback, renamed"}, headers=auth(admin))
    client.patch(f"/items/{items[0].id}", json={"prompt": "Reworded?"}, headers=auth(admin))
    post_reviews(client, people[0], [review(items[1], clock.now() - dt.timedelta(days=2))])
    clock.advance(SETTLE)
    again = export(client, admin, since=start)
    new = [s for s in again if s["id"] not in {x["id"] for x in statements}]
    assert len(new) == 1 and new[0]["timestamp"] < clock.now().date().isoformat()
    with lrs(ralph, tmp_path / "second") as url:
        status, body = call("POST", url, again)
        assert status == 200, body
        second = fetch_all(url)
    assert set(second) == set(first) | {new[0]["id"]}
    changed = [i for i in first if second[i] != first[i] | {"stored": second[i].get("stored")}]
    assert changed == []  # no id came back with different content
