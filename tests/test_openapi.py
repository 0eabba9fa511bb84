"""The committed spec is what the code generates, valid, and complete for admins."""

from __future__ import annotations

import json
import math
import re
from collections import defaultdict

import pytest
from flask import Flask
from openapi_schema_validator import OAS31Validator
from openapi_spec_validator import validate
from sqlalchemy import BigInteger, Integer, SmallInteger, String

from api.cli import SPEC_PATH, render_spec
from tests.conftest import PROJECT_ID

# The media file route takes no token: its signed URL is the permission.
PUBLIC = {"/healthz", "/readyz", "/media/files/{organization_id}/{sha256}/{name}"}
METHODS = {"get", "post", "put", "patch", "delete"}


@pytest.fixture(scope="module")
def spec_app() -> Flask:
    from api import create_app
    from api.config import Config

    return create_app(
        Config(environment="test", database_url="sqlite://", firebase_project_id=PROJECT_ID)
    )


@pytest.fixture(scope="module")
def spec(spec_app: Flask) -> dict:
    return json.loads(render_spec(spec_app))


def operations(spec: dict):
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield path, method, operation


def test_committed_spec_is_current(spec_app: Flask) -> None:
    assert SPEC_PATH.read_text() == render_spec(spec_app), (
        "openapi/openapi.json is stale: run bin/spec and commit it"
    )


def test_spec_is_valid_openapi(spec: dict) -> None:
    validate(spec)


def test_every_operation_is_documented(spec: dict) -> None:
    problems = []
    for path, method, operation in operations(spec):
        where = f"{method.upper()} {path}"
        if not operation.get("summary"):
            problems.append(f"{where}: no summary")
        if not operation.get("tags"):
            problems.append(f"{where}: no tag")
        errors = [code for code in operation["responses"] if code.startswith(("4", "5"))]
        if not errors and path not in PUBLIC:
            problems.append(f"{where}: no documented error response")
        success = [r for c, r in operation["responses"].items() if c.startswith("2")]
        for response in success:
            media = response.get("content", {}).get("application/json")
            if media is not None and "example" not in media and "examples" not in media:
                problems.append(f"{where}: response without example")
        body = operation.get("requestBody", {}).get("content", {}).get("application/json")
        if body is not None and "example" not in body and "examples" not in body:
            problems.append(f"{where}: request body without example")
    assert problems == []


def test_security_is_declared(spec: dict) -> None:
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    for path, method, operation in operations(spec):
        if path in PUBLIC:
            assert operation["security"] == [], f"{method} {path} should be public"
        else:
            assert operation.get("security") == [{"bearerAuth": []}], f"{method} {path}"
            assert "401" in operation["responses"], f"{method} {path} lacks 401"


def test_error_responses_carry_the_error_shape(spec: dict) -> None:
    schema = spec["components"]["schemas"]["Error"]
    assert {"code", "status", "error", "message"} <= set(schema["required"])
    not_found = spec["components"]["responses"]["NOT_FOUND"]["content"]["application/json"]
    assert not_found["example"]["code"] == 404


def _media_examples(spec: dict):
    """(where, schema, example) for every JSON request body and response, errors included."""
    for path, method, operation in operations(spec):
        where = f"{method.upper()} {path}"
        body = operation.get("requestBody", {}).get("content", {}).get("application/json")
        if body is not None:
            yield f"{where} request", body["schema"], body.get("example")
        for status, response in operation["responses"].items():
            if "$ref" in response:
                response = spec["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
            media = response.get("content", {}).get("application/json")
            if media is not None:
                yield f"{where} {status}", media["schema"], media.get("example")


def test_every_example_is_valid_against_its_own_schema(spec: dict) -> None:
    problems = []
    checked = 0
    for where, schema, example in _media_examples(spec):
        if example is None:
            problems.append(f"{where}: no example")
            continue
        # The schema's $refs point into the spec's components: give them a root to resolve in.
        rooted = {"allOf": [schema], "components": spec["components"]}
        validator = OAS31Validator(rooted, format_checker=OAS31Validator.FORMAT_CHECKER)
        problems += [f"{where}: {e.json_path}: {e.message}" for e in validator.iter_errors(example)]
        checked += 1
    assert problems == []
    assert checked > 150  # every operation's bodies and responses, not a handful


def test_every_operation_has_a_unique_name_for_generated_clients(spec: dict) -> None:
    names = [operation.get("operationId") for _, _, operation in operations(spec)]
    assert None not in names
    assert len(names) == len(set(names))


def test_every_path_parameter_has_an_example(spec: dict) -> None:
    missing = [
        f"{method.upper()} {path}: {parameter['name']}"
        for path, method, operation in operations(spec)
        for parameter in [
            *spec["paths"][path].get("parameters", []),
            *operation.get("parameters", []),
        ]
        if parameter.get("in") == "path"
        and "example" not in parameter
        and "example" not in parameter.get("schema", {})
    ]
    assert missing == []


def _resolve(spec: dict, schema: dict) -> dict:
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _inputs(spec: dict, schema: dict, where: str):
    """(where, name, schema) for every property a client may send, nested ones included."""
    schema = _resolve(spec, schema)
    for part in (*schema.get("allOf", ()), *schema.get("anyOf", ()), *schema.get("oneOf", ())):
        yield from _inputs(spec, part, where)
    if "items" in schema:
        yield from _inputs(spec, schema["items"], where)
    for name, prop in schema.get("properties", {}).items():
        if not _resolve(spec, prop).get("readOnly"):
            yield where, name, _resolve(spec, prop)
            yield from _inputs(spec, prop, f"{where}.{name}")


def _longest_match(pattern: str) -> int:
    # The regex engine's own parser knows how long a match can be (huge when unbounded).
    return re._parser.parse(pattern).getwidth()[1]  # type: ignore[attr-defined]


def test_every_input_fits_the_column_it_is_stored_in(spec: dict) -> None:
    """What the spec lets through, the database can hold: an overflow is a 500 on PostgreSQL.

    Matched by name: a property called ``locale`` must fit every ``locale`` column.
    """
    import api.models  # noqa: F401 - registers every table
    from api.db import Base

    text, whole = defaultdict(list), defaultdict(list)
    for table in Base.metadata.tables.values():
        for column in table.columns:
            if isinstance(column.type, String) and column.type.length:
                text[column.name].append(column.type.length)
            elif isinstance(column.type, Integer):
                bits = (
                    16
                    if isinstance(column.type, SmallInteger)
                    else 64
                    if isinstance(column.type, BigInteger)
                    else 32
                )
                whole[column.name].append(2 ** (bits - 1) - 1)
    assert text["locale"] and whole["team_id"]  # the tables were found

    inputs = []
    for path, method, operation in operations(spec):
        where = f"{method.upper()} {path}"
        body = operation.get("requestBody", {}).get("content", {}).get("application/json")
        if body is not None:
            inputs += _inputs(spec, body["schema"], where)
        for parameter in operation.get("parameters", []):
            if parameter.get("in") == "query":
                inputs.append((f"{where}?", parameter["name"], parameter["schema"]))

    problems, checked = [], 0
    for where, name, prop in inputs:
        if prop.get("type") == "string" and name in text:
            room = min(text[name])
            longest = min(
                prop.get("maxLength", math.inf),
                _longest_match(prop["pattern"]) if "pattern" in prop else math.inf,
                max((len(v) for v in prop.get("enum", ()) if v is not None), default=math.inf),
            )
            if prop.get("format") not in ("date", "date-time") and longest > room:
                problems.append(f"{where}: {name} may be {longest} long, its column holds {room}")
            checked += 1
        elif prop.get("type") == "integer" and name in whole:
            if prop.get("maximum", math.inf) > min(whole[name]):
                problems.append(f"{where}: {name} has no maximum that fits its column")
            checked += 1
    assert problems == []
    assert checked > 40


def test_every_signed_in_operation_documents_the_errors_to_retry(spec: dict) -> None:
    missing = [
        f"{method.upper()} {path}: {status}"
        for path, method, operation in operations(spec)
        if path not in PUBLIC
        for status in ("429", "503")
        if status not in operation["responses"]
    ]
    assert missing == []


def test_the_errors_to_retry_come_as_documented(spec: dict) -> None:
    """A client generated from the spec reads the same code and header the server sends."""
    from api import create_app
    from api.config import Config
    from api.db import create_engine_for
    from api.dev_tokens import emulator_id_token

    # Nothing listens on port 1 of the loopback: every database call fails at once.
    dead = create_engine_for("postgresql+psycopg://postgres@127.0.0.1:1/none?connect_timeout=2")
    config = Config(
        environment="test",
        firebase_project_id=PROJECT_ID,
        firebase_auth_emulator_host="127.0.0.1:9099",
    )
    client = create_app(config, bind=dead).test_client()
    token = emulator_id_token(project_id=PROJECT_ID, uid="someone", email="a@b.example")
    away = client.get("/me", headers={"Authorization": f"Bearer {token}"})
    for _ in range(60):
        client.get("/me", headers={"Authorization": "Bearer guessed"})
    limited = client.get("/me", headers={"Authorization": "Bearer guessed"})

    for response, name in ((away, "SERVICE_UNAVAILABLE"), (limited, "TOO_MANY_REQUESTS")):
        documented = spec["components"]["responses"][name]
        example = documented["content"]["application/json"]["example"]
        assert response.status_code == example["code"]
        assert response.get_json()["error"] == example["error"]
        assert int(response.headers["Retry-After"]) >= 1 and "Retry-After" in documented["headers"]


def test_every_parameter_says_what_it_is(spec: dict) -> None:
    """Swagger UI shows a parameter's description beside its box; a generated client puts
    it on the argument. Path ids say where to find them."""
    missing = [
        f"{path}: {parameter['name']}"
        for path, item in spec["paths"].items()
        for parameter in item.get("parameters", [])
        + [p for method in METHODS for p in item.get(method, {}).get("parameters", [])]
        if "$ref" not in parameter and not parameter.get("description")
    ]
    assert missing == []


def test_fixed_value_sets_are_typed_enums(spec: dict) -> None:
    """A bare ``enum`` without ``type`` lets a validator take 3 where "draft" is due."""
    untyped: list[str] = []

    def walk(node: object, where: str) -> None:
        if isinstance(node, dict):
            if "enum" in node and "type" not in node:
                untyped.append(where)
            for key, value in node.items():
                walk(value, f"{where}/{key}")
        elif isinstance(node, list):
            for n, value in enumerate(node):
                walk(value, f"{where}/{n}")

    walk(spec, "#")
    assert untyped == []


@pytest.mark.parametrize(
    ("public_base_url", "first"),
    [("", "/"), ("https://learn.example.com", "https://learn.example.com")],
)
def test_a_deployment_serves_the_spec_with_itself_as_first_server(
    public_base_url: str, first: str
) -> None:
    """Swagger UI calls the first server: from a deployment, that must be the deployment,
    not the committed spec's 127.0.0.1:8000 (an admin's "Try it out" went nowhere)."""
    from api import create_app
    from api.config import Config

    app = create_app(
        Config(
            environment="test",
            database_url="sqlite://",
            firebase_project_id=PROJECT_ID,
            public_base_url=public_base_url,
        )
    )
    served = app.test_client().get("/openapi.json").get_json()
    assert served["servers"][0]["url"] == first
    assert [s["url"] for s in served["servers"][1:]] == [
        s["url"] for s in json.loads(render_spec(app))["servers"]
    ]


def test_every_operation_is_described_for_a_mobile_team(spec: dict) -> None:
    """A summary line says what; the description says how it behaves (idempotency, who may
    call it, what happens to late answers): 70 of 73 operations had none."""
    missing = [
        f"{method.upper()} {path}"
        for path, method, operation in operations(spec)
        if len(operation.get("description", "")) < 20 or "\n" in operation["summary"]
    ]
    assert missing == []
    assert spec["servers"][0]["url"] == "http://127.0.0.1:8000"
    upload = spec["paths"]["/learn/reviews"]["post"]["description"]
    for promise in ("retry", "out of order", "5 minutes", "answered_in_future"):
        assert promise in upload
