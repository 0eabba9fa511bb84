"""Bad input of every kind gets a clear 4xx in the one error shape, never a 500."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from tests.conftest import auth
from tests.factories import UserFactory

SHAPE = {"code", "status", "error", "message"}


@pytest.fixture
def admin(db: Session):
    return UserFactory(admin=True)


def assert_error(response, status: int, error: str | None = None) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()
    assert set(body) >= SHAPE, body
    assert body["code"] == status
    assert body["message"]
    assert body["request_id"] == response.headers["X-Request-ID"]
    if error is not None:
        assert body["error"] == error
    return body


def test_malformed_json_is_400(client: FlaskClient, admin) -> None:
    response = client.post(
        "/teams", data="{not json", content_type="application/json", headers=auth(admin)
    )
    body = assert_error(response, 400)
    assert "JSON" in body["message"]


def test_wrong_types_are_422_with_field_errors(client: FlaskClient, admin) -> None:
    response = client.post(
        "/modules", json={"title": 5, "estimated_minutes": "ten"}, headers=auth(admin)
    )
    body = assert_error(response, 422, "validation_failed")
    assert set(body["errors"]["json"]) == {"title", "estimated_minutes"}


def test_out_of_range_minutes_is_422(client: FlaskClient, admin) -> None:
    response = client.post(
        "/modules", json={"title": "Too long", "estimated_minutes": 45}, headers=auth(admin)
    )
    body = assert_error(response, 422)
    assert "estimated_minutes" in body["errors"]["json"]


def test_unknown_fields_are_422(client: FlaskClient, admin) -> None:
    response = client.post("/teams", json={"name": "A", "owner": "me"}, headers=auth(admin))
    body = assert_error(response, 422)
    assert "owner" in body["errors"]["json"]


def test_body_that_is_not_an_object_is_422(client: FlaskClient, admin) -> None:
    response = client.post("/teams", json=["name"], headers=auth(admin))
    assert_error(response, 422)


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("patch", "/me", {"display_name": "Ann\u0000"}),
        ("post", "/users", {"email": "a@b.example", "display_name": "x\u0000y"}),
        ("post", "/learn/reflections", {"body": "ok", "nested": ["\u0000"]}),
    ],
)
def test_nul_characters_are_422_not_a_500(client: FlaskClient, admin, method, path, body):
    """Found by schemathesis: PostgreSQL refuses NUL in text, and that was a 500."""
    response = getattr(client, method)(path, json=body, headers=auth(admin))
    assert_error(response, 422, "nul_character")
    assert_error(client.get("/team/feed?team_id=1%00", headers=auth(admin)), 422, "nul_character")


def test_a_locale_longer_than_its_column_is_422(client: FlaskClient, admin) -> None:
    """Found by schemathesis: a valid-looking 40-character tag was a 500 on PostgreSQL."""
    tag = "de" + "-abcdefgh" * 5
    assert_error(client.patch("/me", json={"locale": tag}, headers=auth(admin)), 422)


def test_language_tags_are_one_rule_for_people_and_phones(client: FlaskClient, admin) -> None:
    """Android's Locale prints "de_DE"; every endpoint that takes a tag takes that form too."""
    device = {"token": "t" * 40, "platform": "android", "locale": "de_DE"}
    assert client.post("/me/devices", json=device, headers=auth(admin)).status_code == 200
    assert client.patch("/me", json={"locale": "de_DE"}, headers=auth(admin)).status_code == 200
    bad = {**device, "locale": "deutsch bitte"}
    assert_error(client.post("/me/devices", json=bad, headers=auth(admin)), 422)
    invite = {"email": "new@b.example", "locale": "de" + "-abcdefgh" * 5}
    assert_error(client.post("/users", json=invite, headers=auth(admin)), 422)


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        (
            "post",
            "/enrollments",
            {"module_id": 1, "user_id": 1, "due_at": "9999-12-31T23:59:59-05:00"},
        ),
        ("get", "/xapi/statements?until=0001-01-02T00:00:00Z", None),
        ("get", "/analytics?until=0001-01-02", None),
        ("patch", "/organization/settings", {"holidays": ["1999-12-31"]}),
    ],
)
def test_dates_at_the_calendars_edge_are_422_not_a_500(
    client: FlaskClient, admin, method, path, body
) -> None:
    """Converting to UTC, or counting back a default period, overflowed the calendar."""
    response = getattr(client, method)(path, json=body, headers=auth(admin))
    assert "2000-01-01 to 2100-12-31" in str(assert_error(response, 422)["errors"])


def test_oversized_body_is_413(client: FlaskClient, admin) -> None:
    huge = {"name": "x" * (2 * 1024 * 1024)}
    response = client.post("/teams", json=huge, headers=auth(admin))
    assert_error(response, 413)


@pytest.mark.parametrize(
    "path", ["/modules/abc", "/modules/0", "/modules/-1", "/modules/99999999999999999999"]
)
def test_bad_ids_are_404(client: FlaskClient, admin, path: str) -> None:
    assert_error(client.get(path, headers=auth(admin)), 404)


def test_missing_but_valid_id_is_404(client: FlaskClient, admin) -> None:
    assert_error(client.get("/modules/2147483647", headers=auth(admin)), 404, "not_found")


@pytest.mark.parametrize(
    "query", ["page=0", "page=-3", "page_size=0", "page_size=1000", "page=abc", "page=1e9"]
)
def test_bad_pagination_is_422(client: FlaskClient, admin, query: str) -> None:
    assert_error(client.get(f"/modules?{query}", headers=auth(admin)), 422)


@pytest.mark.parametrize("path", ["/modules", "/team/feed", "/users"])
def test_a_page_far_past_the_end_is_empty_not_a_500(client: FlaskClient, admin, path) -> None:
    """Found by schemathesis: the offset overflowed the database's integers."""
    response = client.get(f"{path}?page=9223372036854775807&page_size=50", headers=auth(admin))
    assert response.status_code == 200 and response.get_json() == []


def test_bad_query_filter_is_422(client: FlaskClient, admin) -> None:
    body = assert_error(client.get("/modules?status=deleted", headers=auth(admin)), 422)
    assert "status" in body["errors"]["query"]


def test_unknown_path_and_method_use_the_shape(client: FlaskClient, admin) -> None:
    assert_error(client.get("/nothing-here"), 404)
    assert_error(client.delete("/modules", headers=auth(admin)), 405)


def test_request_id_is_echoed_when_safe(client: FlaskClient) -> None:
    response = client.get("/me", headers={"X-Request-ID": "abc-123"})
    assert response.headers["X-Request-ID"] == "abc-123"
    assert response.get_json()["request_id"] == "abc-123"
    hostile = "<script>" + "x" * 100
    response = client.get("/me", headers={"X-Request-ID": hostile})
    assert response.headers["X-Request-ID"] != hostile
    assert len(response.headers["X-Request-ID"]) == 16


def test_unexpected_failure_is_500_in_the_shape_without_details(app, db: Session) -> None:
    def explode() -> None:
        raise RuntimeError("secret internals")

    app.add_url_rule("/explode", view_func=explode)
    response = app.test_client().get("/explode")
    body = assert_error(response, 500, "internal_error")
    assert "secret internals" not in response.get_data(as_text=True)
    assert body["request_id"]


def test_personal_answers_are_never_stored_by_a_cache(client: FlaskClient, admin) -> None:
    for path in ("/me", "/me/export", "/team/feed", "/me/privacy", "/nowhere"):
        response = client.get(path, headers=auth(admin))
        assert response.headers["Cache-Control"] == "no-store", path
    assert "Cache-Control" not in client.get("/healthz").headers


def test_an_invitation_without_an_address_is_422(client: FlaskClient, admin) -> None:
    """Found by schemathesis once emails could be null (joined under an unverified
    address): null is what the server may send, never what an invitation may carry."""
    assert_error(client.post("/users", json={"email": None}, headers=auth(admin)), 422)


def test_every_error_code_the_code_raises_is_in_the_specs_enum() -> None:
    """A client that validates responses must know every ``error`` it can meet."""
    import http
    import re
    from pathlib import Path

    from api.errors import ERROR_CODES, DomainError, short_code

    source = "\n".join(p.read_text() for p in Path("api").rglob("*.py"))
    literal = set(re.findall(r'code="([a-z_]+)"', source))
    literal |= set(re.findall(r'"(nul_character|invalid_text)"', source))
    statuses = {short_code(s.value) for s in http.HTTPStatus if 400 <= s.value < 600}
    defaults = {cls.code for cls in [DomainError, *DomainError.__subclasses__()]}
    used = literal | defaults | {c for c in statuses if c in ERROR_CODES}
    assert used <= set(ERROR_CODES), used - set(ERROR_CODES)
    # And what the server really answers on a few statuses is among them.
    for status in (400, 401, 403, 404, 405, 409, 413, 415, 422, 429, 500, 503):
        assert short_code(status) in ERROR_CODES, status
