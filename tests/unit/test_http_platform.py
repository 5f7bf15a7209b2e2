"""The shared HTTP platform over a real ASGI stack: problems, auth, middleware, logs, metrics."""

from __future__ import annotations

import base64
import io
import json
import logging
import stat
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI, Request
from jwt.algorithms import RSAAlgorithm
from prometheus_client.parser import text_string_to_metric_families
from pydantic import BaseModel

from shared.authority.acting import Acting
from shared.authority.rules import TableVersion
from shared.authority.tables import AuthorityTables
from shared.errors import (
    PROBLEM_TYPE_BASE,
    BadRequest,
    Conflict,
    DomainError,
    Forbidden,
    NotFound,
    PayloadTooLarge,
    PreconditionFailed,
    PreconditionRequired,
    Unauthorized,
    UnprocessableContent,
)
from shared.eventlog.contracts import ContractError
from shared.eventlog.errors import EventIdReused, WrongExpectedVersion
from shared.http.auth import (
    SECRET_FILE_NAME,
    PrincipalDep,
    Role,
    issue_token,
    signing_secret,
)
from shared.http.logging import configure_logging
from shared.http.metrics import metrics_response
from shared.http.middleware import RequestContextMiddleware, current_request_id
from shared.http.problems import (
    INTERNAL_ERROR_DETAIL,
    PROBLEM_MEDIA_TYPE,
    domain_error_response,
    install_problem_handlers,
    problem_responses,
)
from shared.http.steps import step
from shared.settings import Settings
from tests.authority import table

SECRET = "x" * 40
BODY_LIMIT = 64
BIG_BODY_LIMIT = 1024
LEAKY_MESSAGE = "password=hunter2 at db.internal"

_ERRORS: dict[str, Exception] = {
    "not-found": NotFound("No school with URN 100000."),
    "conflict": Conflict("The school is already in a trust.", extra={"trust_id": "T1"}),
    "precondition-failed": PreconditionFailed("Version 3 is not current."),
    "precondition-required": PreconditionRequired("Send If-Match."),
    "forbidden": Forbidden(),
    "unauthorized": Unauthorized(),
    "too-large": PayloadTooLarge(),
    "unprocessable": UnprocessableContent("The trust is closed."),
    "bad-request": BadRequest("Nonsense."),
    "wrong-version": WrongExpectedVersion("school-100000", 3, 5),
    "event-id-reused": EventIdReused([uuid.UUID(int=1)]),
    "contract": ContractError(
        "SchoolJoinedTrust",
        "data does not match the contract",
        [{"loc": ["urn"], "msg": "Field required", "type": "missing"}],
    ),
}


AssessorDep = Annotated[Acting, step("test.assessments.read")]
AdminDep = Annotated[Acting, step("test.admin")]
# The steps these routes take, and who may take them (scope: none needed).
TABLE = table(
    {"step": "test.assessments.read", "roles": ["assessor", "moderator"], "scope": "any"},
    {"step": "test.admin", "roles": ["admin"], "scope": "any"},
)


class ItemIn(BaseModel):
    name: str
    count: int


def build_app(settings: Settings, *, with_middleware: bool = True) -> FastAPI:
    """A small app wired like a service, with routes that exercise the platform."""
    app = FastAPI()
    app.state.settings = settings
    app.state.authority = AuthorityTables.fixed([TableVersion(1, date(2000, 1, 1), TABLE)])
    install_problem_handlers(app)
    if with_middleware:
        app.add_middleware(
            RequestContextMiddleware,
            service="test",
            max_body_bytes=BODY_LIMIT,
            body_limit_overrides={"/big": BIG_BODY_LIMIT},
        )

    @app.get("/errors/{kind}", responses=problem_responses(404, 409))
    async def raise_error(kind: str) -> None:
        raise _ERRORS[kind]

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError(LEAKY_MESSAGE)

    @app.get("/items/{item_id}")
    async def get_item(item_id: int, limit: int = 10) -> dict[str, int]:
        return {"item_id": item_id, "limit": limit}

    @app.post("/items", status_code=201)
    async def create_item(item: ItemIn) -> ItemIn:
        return item

    @app.post("/big")
    async def big(request: Request) -> dict[str, int]:
        return {"size": len(await request.body())}

    @app.get("/me")
    async def me(principal: PrincipalDep) -> dict[str, Any]:
        return {"subject": principal.subject, "roles": sorted(principal.roles)}

    @app.get("/me/scope")
    async def my_scope(principal: PrincipalDep) -> list[str]:
        return principal.scope.labels()

    @app.get("/assessments")
    async def assessments(acting: AssessorDep) -> dict[str, str]:
        return {"subject": acting.principal.subject}

    @app.get("/admin")
    async def admin(acting: AdminDep) -> dict[str, str]:
        return {"subject": acting.principal.subject}

    @app.get("/unlisted", dependencies=[step("test.nobody")])
    async def unlisted() -> None:
        return None

    @app.get("/log")
    async def log_something() -> dict[str, str | None]:
        logging.getLogger("strongtrusts.test").info("hello from route", extra={"urn": 100000})
        return {"request_id": current_request_id()}

    @app.get("/metrics")
    async def metrics() -> Any:
        return metrics_response()

    return app


@pytest.fixture
def http_settings(tmp_path: Path) -> Settings:
    return Settings(environment="test", jwt_secret=SECRET, data_dir=tmp_path)


@pytest.fixture
async def client(http_settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app = build_app(http_settings)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test"
    ) as c:
        yield c


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def assert_problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    for member in ("type", "title", "detail", "instance"):
        assert isinstance(body[member], str) and body[member]
    assert body["instance"] == response.request.url.path
    return body


# --- problems ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "status", "type_name"),
    [
        ("not-found", 404, "not-found"),
        ("conflict", 409, "conflict"),
        ("precondition-failed", 412, "precondition-failed"),
        ("precondition-required", 428, "precondition-required"),
        ("forbidden", 403, "forbidden"),
        ("unauthorized", 401, "unauthorized"),
        ("too-large", 413, "content-too-large"),
        ("unprocessable", 422, "unprocessable-content"),
        ("bad-request", 422, "unprocessable-content"),
        ("wrong-version", 409, "wrong-expected-version"),
        ("event-id-reused", 409, "event-id-reused"),
        ("contract", 422, "contract-violation"),
    ],
)
async def test_each_error_is_a_problem(
    client: httpx.AsyncClient, kind: str, status: int, type_name: str
) -> None:
    body = assert_problem(await client.get(f"/errors/{kind}"), status)
    assert body["type"] == PROBLEM_TYPE_BASE + type_name


async def test_domain_error_detail_and_extra_fields(client: httpx.AsyncClient) -> None:
    body = assert_problem(await client.get("/errors/conflict"), 409)
    assert body["detail"] == "The school is already in a trust."
    assert body["trust_id"] == "T1"


async def test_extra_fields_cannot_replace_standard_members() -> None:
    error = Conflict("real detail", extra={"status": 200, "detail": "fake", "x": 1})
    body = json.loads(bytes(domain_error_response(error, "/p").body))
    assert (body["status"], body["detail"], body["x"]) == (409, "real detail", 1)


async def test_unauthorized_problem_asks_for_bearer(client: httpx.AsyncClient) -> None:
    response = await client.get("/errors/unauthorized")
    assert response.headers["www-authenticate"] == "Bearer"


async def test_wrong_expected_version_carries_versions(client: httpx.AsyncClient) -> None:
    body = assert_problem(await client.get("/errors/wrong-version"), 409)
    assert (body["stream_id"], body["expected"], body["actual"]) == ("school-100000", 3, 5)


async def test_event_id_reused_lists_the_ids(client: httpx.AsyncClient) -> None:
    body = assert_problem(await client.get("/errors/event-id-reused"), 409)
    assert body["event_ids"] == [str(uuid.UUID(int=1))]


async def test_contract_error_lists_errors(client: httpx.AsyncClient) -> None:
    body = assert_problem(await client.get("/errors/contract"), 422)
    assert body["event_type"] == "SchoolJoinedTrust"
    assert body["errors"] == [{"loc": ["urn"], "msg": "Field required", "type": "missing"}]


async def test_validation_error_shape_does_not_echo_input(client: httpx.AsyncClient) -> None:
    response = await client.post("/items", json={"name": "secret-input-value", "count": "many"})
    body = assert_problem(response, 422)
    assert body["errors"] == [
        {
            "loc": ["body", "count"],
            "msg": "Input should be a valid integer, unable to parse string as an integer",
            "type": "int_parsing",
        }
    ]
    assert "many" not in response.text
    assert "secret-input-value" not in response.text


async def test_validation_error_on_path_and_query(client: httpx.AsyncClient) -> None:
    body = assert_problem(await client.get("/items/abc?limit=x"), 422)
    assert sorted(tuple(e["loc"]) for e in body["errors"]) == [
        ("path", "item_id"),
        ("query", "limit"),
    ]
    assert all(set(e) == {"loc", "msg", "type"} for e in body["errors"])


async def test_malformed_json_is_a_validation_problem(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/items", content=b"{not json", headers={"content-type": "application/json"}
    )
    body = assert_problem(response, 422)
    assert body["errors"][0]["type"] == "json_invalid"


async def test_unknown_route_is_404_problem(client: httpx.AsyncClient) -> None:
    body = assert_problem(await client.get("/no/such/route"), 404)
    assert body["type"] == PROBLEM_TYPE_BASE + "not-found"


async def test_wrong_method_is_405_problem_with_allow(client: httpx.AsyncClient) -> None:
    response = await client.delete("/items")
    body = assert_problem(response, 405)
    assert body["type"] == PROBLEM_TYPE_BASE + "method-not-allowed"
    assert response.headers["allow"] == "POST"


async def test_unexpected_error_is_500_without_details(client: httpx.AsyncClient) -> None:
    response = await client.get("/boom", headers={"X-Request-ID": "boom-1"})
    body = assert_problem(response, 500)
    assert body["detail"] == INTERNAL_ERROR_DETAIL
    assert LEAKY_MESSAGE not in response.text
    assert "RuntimeError" not in response.text
    assert "Traceback" not in response.text
    assert response.headers["x-request-id"] == "boom-1"


async def test_handlers_alone_answer_500_problem(http_settings: Settings) -> None:
    app = build_app(http_settings, with_middleware=False)
    # Starlette re-raises after its error handler has answered, for the server to log.
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        response = await c.get("/boom")
    assert_problem(response, 500)
    assert LEAKY_MESSAGE not in response.text


async def test_openapi_documents_problem_bodies(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/openapi.json")).json()
    assert {"Problem", "ValidationProblem"} <= set(schema["components"]["schemas"])
    assert "HTTPValidationError" not in schema["components"]["schemas"]
    errors = schema["paths"]["/errors/{kind}"]["get"]["responses"]
    assert errors["404"]["content"] == {
        PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}
    }
    default_422 = errors["422"]["content"]
    assert default_422 == {
        PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/ValidationProblem"}}
    }


def test_problem_subclasses_share_one_base() -> None:
    for cls in (NotFound, Conflict, PreconditionFailed, Forbidden, Unauthorized, BadRequest):
        assert issubclass(cls, DomainError)


# --- auth -------------------------------------------------------------------------------


def _unsigned_token(claims: dict[str, Any]) -> str:
    def part(data: dict[str, Any]) -> str:
        raw = json.dumps(data).encode()
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."


def _claims(settings: Settings, **overrides: Any) -> dict[str, Any]:
    return {
        "sub": "user-1",
        "roles": ["reader"],
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "exp": int((datetime.now(UTC) + timedelta(minutes=5)).timestamp()),
        **overrides,
    }


async def test_valid_token_gives_principal(
    client: httpx.AsyncClient, http_settings: Settings
) -> None:
    token = issue_token(http_settings, roles=[Role.READER, "auditor"], subject="user-1")
    response = await client.get("/me", headers=bearer(token))
    assert response.status_code == 200
    assert response.json() == {"subject": "user-1", "roles": ["auditor", "reader"]}


async def test_missing_token_is_401(client: httpx.AsyncClient) -> None:
    response = await client.get("/me")
    assert_problem(response, 401)
    assert response.headers["www-authenticate"] == "Bearer"


async def test_non_bearer_scheme_is_401(client: httpx.AsyncClient) -> None:
    assert_problem(await client.get("/me", headers={"Authorization": "Basic dTpw"}), 401)


async def test_garbage_token_is_401(client: httpx.AsyncClient) -> None:
    response = await client.get("/me", headers=bearer("not.a.jwt"))
    assert_problem(response, 401)
    assert response.headers["www-authenticate"].startswith("Bearer")


async def test_expired_token_is_401(client: httpx.AsyncClient, http_settings: Settings) -> None:
    token = issue_token(
        http_settings,
        roles=[Role.READER],
        subject="user-1",
        ttl_seconds=60,
        now=datetime.now(UTC) - timedelta(hours=1),
    )
    body = assert_problem(await client.get("/me", headers=bearer(token)), 401)
    assert "expired" in body["detail"]


@pytest.mark.parametrize(
    "change",
    [
        {"jwt_secret": "y" * 40},
        {"jwt_audience": "someone-else"},
        {"jwt_issuer": "someone-else"},
    ],
    ids=["forged", "wrong-audience", "wrong-issuer"],
)
async def test_token_from_elsewhere_is_401(
    client: httpx.AsyncClient, http_settings: Settings, change: dict[str, str]
) -> None:
    other = http_settings.model_copy(update=change)
    token = issue_token(other, roles=[Role.ADMIN], subject="mallory")
    assert_problem(await client.get("/me", headers=bearer(token)), 401)


async def test_alg_none_token_is_401(client: httpx.AsyncClient, http_settings: Settings) -> None:
    token = _unsigned_token(_claims(http_settings, roles=["admin"]))
    assert_problem(await client.get("/admin", headers=bearer(token)), 401)


async def test_token_without_subject_is_401(
    client: httpx.AsyncClient, http_settings: Settings
) -> None:
    claims = _claims(http_settings)
    del claims["sub"]
    token = jwt.encode(claims, SECRET, algorithm="HS256")
    assert_problem(await client.get("/me", headers=bearer(token)), 401)


@pytest.mark.parametrize(
    ("subject", "why"),
    [("u" * 201, "201 characters"), ("alice\x00", "control characters"), ("  ", "blank")],
    ids=["too-long", "control-character", "blank"],
)
async def test_a_subject_no_event_could_record_is_401_naming_the_claim(
    client: httpx.AsyncClient, http_settings: Settings, subject: str, why: str
) -> None:
    token = jwt.encode(_claims(http_settings, sub=subject), SECRET, algorithm="HS256")
    response = await client.get("/me", headers=bearer(token))
    body = assert_problem(response, 401)
    assert body["claim"] == "sub"
    assert why in body["detail"]
    assert response.headers["www-authenticate"].startswith('Bearer error="invalid_token"')


async def test_a_subject_of_the_longest_recordable_length_is_accepted(
    client: httpx.AsyncClient, http_settings: Settings
) -> None:
    token = issue_token(http_settings, roles=[Role.READER], subject="u" * 200)
    response = await client.get("/me", headers=bearer(token))
    assert response.status_code == 200
    assert response.json()["subject"] == "u" * 200
    with pytest.raises(ValueError, match="sub claim"):
        issue_token(http_settings, roles=[Role.READER], subject="u" * 201)


async def test_token_without_expiry_is_401(
    client: httpx.AsyncClient, http_settings: Settings
) -> None:
    claims = _claims(http_settings)
    del claims["exp"]
    token = jwt.encode(claims, SECRET, algorithm="HS256")
    assert_problem(await client.get("/me", headers=bearer(token)), 401)


async def test_token_without_roles_claim_is_401(
    client: httpx.AsyncClient, http_settings: Settings
) -> None:
    claims = _claims(http_settings)
    del claims["roles"]
    token = jwt.encode(claims, SECRET, algorithm="HS256")
    assert_problem(await client.get("/me", headers=bearer(token)), 401)


async def test_wrong_role_is_403(client: httpx.AsyncClient, http_settings: Settings) -> None:
    token = issue_token(http_settings, roles=[Role.READER, Role.CASEWORKER], subject="user-1")
    body = assert_problem(await client.get("/assessments", headers=bearer(token)), 403)
    assert body["required_roles"] == ["assessor", "moderator"]


async def test_any_listed_role_passes(client: httpx.AsyncClient, http_settings: Settings) -> None:
    token = issue_token(http_settings, roles=[Role.MODERATOR], subject="mod-1")
    response = await client.get("/assessments", headers=bearer(token))
    assert response.status_code == 200
    assert response.json() == {"subject": "mod-1"}


async def test_admin_passes_only_the_checks_that_name_it(
    client: httpx.AsyncClient, http_settings: Settings
) -> None:
    # Administration is not authority: an admin needs the assessor's role to assess.
    token = issue_token(http_settings, roles=[Role.ADMIN], subject="admin-1")
    assert (await client.get("/admin", headers=bearer(token))).status_code == 200
    refused = assert_problem(await client.get("/assessments", headers=bearer(token)), 403)
    assert "admin" not in refused["required_roles"]
    both = issue_token(http_settings, roles=[Role.ADMIN, Role.ASSESSOR], subject="admin-2")
    assert (await client.get("/assessments", headers=bearer(both))).status_code == 200


async def test_roles_are_not_hierarchical(
    client: httpx.AsyncClient, http_settings: Settings
) -> None:
    token = issue_token(http_settings, roles=[Role.DECISION_MAKER], subject="dm-1")
    assert_problem(await client.get("/admin", headers=bearer(token)), 403)


async def test_unknown_roles_grant_nothing(
    client: httpx.AsyncClient, http_settings: Settings
) -> None:
    claims = _claims(http_settings, roles=["superuser", "reader"])
    token = jwt.encode(claims, SECRET, algorithm="HS256")
    response = await client.get("/me", headers=bearer(token))
    assert response.json()["roles"] == ["reader"]


@pytest.fixture
def rs256_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[Settings, rsa.RSAPrivateKey]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)
    jwks = {"keys": [{**jwk, "kid": "k1", "alg": "RS256", "use": "sig"}]}
    # The identity provider is faked at the HTTP fetch; everything after it is PyJWT's own.
    monkeypatch.setattr(jwt.PyJWKClient, "fetch_data", lambda self: jwks)
    settings = Settings(
        environment="test",
        jwt_algorithm="RS256",
        jwt_jwks_url=f"https://idp.test/{uuid.uuid4().hex}/jwks.json",
        data_dir=tmp_path,
    )
    return settings, key


async def test_rs256_tokens_are_checked_against_jwks(
    rs256_settings: tuple[Settings, rsa.RSAPrivateKey],
) -> None:
    settings, key = rs256_settings
    good = jwt.encode(_claims(settings), key, algorithm="RS256", headers={"kid": "k1"})
    # HS256 signed with a guessable secret but naming the real key: algorithm confusion.
    confused = jwt.encode(_claims(settings), "z" * 40, algorithm="HS256", headers={"kid": "k1"})
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = jwt.encode(_claims(settings), other_key, algorithm="RS256", headers={"kid": "k1"})
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=build_app(settings)), base_url="http://test"
    ) as c:
        response = await c.get("/me", headers=bearer(good))
        assert response.status_code == 200, response.text
        assert response.json() == {"subject": "user-1", "roles": ["reader"]}
        assert_problem(await c.get("/me", headers=bearer(confused)), 401)
        assert_problem(await c.get("/me", headers=bearer(forged)), 401)
        assert_problem(await c.get("/me", headers=bearer(_unsigned_token(_claims(settings)))), 401)


def test_rs256_settings_do_not_issue_tokens(
    rs256_settings: tuple[Settings, rsa.RSAPrivateKey],
) -> None:
    with pytest.raises(ValueError, match="HS256"):
        issue_token(rs256_settings[0], roles=[Role.READER], subject="user-1")


def test_issue_token_refuses_unknown_roles(http_settings: Settings) -> None:
    with pytest.raises(ValueError, match="superuser"):
        issue_token(http_settings, roles=["superuser"], subject="user-1")


async def test_a_step_the_table_does_not_name_is_refused_to_everybody(
    client: httpx.AsyncClient, http_settings: Settings
) -> None:
    token = issue_token(http_settings, roles=list(Role), subject="everyone")
    body = assert_problem(await client.get("/unlisted", headers=bearer(token)), 403)
    assert body["type"].endswith("/step-not-in-authority-table") and body["step"] == "test.nobody"


async def test_development_tokens_act_nationally_unless_given_scopes(
    client: httpx.AsyncClient, http_settings: Settings
) -> None:
    national = issue_token(http_settings, roles=[Role.READER], subject="u")
    assert (await client.get("/me/scope", headers=bearer(national))).json() == ["national"]
    london = issue_token(
        http_settings, roles=[Role.READER], subject="u", scopes=["region:H", "la:383"]
    )
    assert (await client.get("/me/scope", headers=bearer(london))).json() == [
        "region:H",
        "la:383",
    ]
    nowhere = issue_token(http_settings, roles=[Role.READER], subject="u", scopes=[])
    assert (await client.get("/me/scope", headers=bearer(nowhere))).json() == []
    with pytest.raises(ValueError, match="region:Z"):
        issue_token(http_settings, roles=[Role.READER], subject="u", scopes=["region:Z"])


@pytest.mark.parametrize(
    ("scopes", "words"),
    [
        ("region:H", "not a list of scopes"),
        (["region:H", 7], "not a list of strings"),
        (["region:Z"], "names no English region"),
        (["region:h"], "is not a scope"),
        (["la:999"], "names no English local authority"),
        (["london"], "is not a scope"),
        (["region:H"] * 201, "over 200 entries"),
    ],
)
async def test_a_malformed_scopes_claim_is_401_naming_the_claim(
    client: httpx.AsyncClient, http_settings: Settings, scopes: Any, words: str
) -> None:
    token = jwt.encode({**_claims(http_settings), "scopes": scopes}, SECRET, algorithm="HS256")
    body = assert_problem(await client.get("/me", headers=bearer(token)), 401)
    assert body["claim"] == "scopes" and words in body["detail"], body


async def test_a_token_without_scopes_acts_nowhere(
    client: httpx.AsyncClient, http_settings: Settings
) -> None:
    token = jwt.encode(_claims(http_settings), SECRET, algorithm="HS256")
    assert (await client.get("/me/scope", headers=bearer(token))).json() == []


async def test_development_secret_is_generated_once(tmp_path: Path) -> None:
    settings = Settings(environment="test", jwt_secret=None, data_dir=tmp_path / "data")
    first = signing_secret(settings)
    secret_file = tmp_path / "data" / SECRET_FILE_NAME
    assert secret_file.read_text() == first
    assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600
    assert signing_secret(settings) == first

    token = issue_token(settings, roles=[Role.READER], subject="user-1")
    app = build_app(settings)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test"
    ) as c:
        assert (await c.get("/me", headers=bearer(token))).status_code == 200


# --- middleware -------------------------------------------------------------------------


async def test_request_id_is_echoed(client: httpx.AsyncClient) -> None:
    response = await client.get("/log", headers={"X-Request-ID": "req-42.a:b_c"})
    assert response.headers["x-request-id"] == "req-42.a:b_c"
    assert response.json() == {"request_id": "req-42.a:b_c"}


async def test_request_id_is_generated_when_absent(client: httpx.AsyncClient) -> None:
    response = await client.get("/log")
    generated = response.headers["x-request-id"]
    assert len(generated) == 32 and int(generated, 16) >= 0
    assert response.json() == {"request_id": generated}


@pytest.mark.parametrize("bad", ["has space", 'quote"d', "a" * 129, "ünïcode"])
async def test_malformed_request_id_is_replaced(client: httpx.AsyncClient, bad: str) -> None:
    response = await client.get("/log", headers={b"X-Request-ID": bad.encode("utf-8")})
    generated = response.headers["x-request-id"]
    assert generated != bad
    assert len(generated) == 32


async def test_request_id_is_unset_after_the_request(client: httpx.AsyncClient) -> None:
    await client.get("/log", headers={"X-Request-ID": "gone-after"})
    assert current_request_id() is None


async def test_body_over_limit_by_content_length_is_413(client: httpx.AsyncClient) -> None:
    payload = json.dumps({"name": "n" * BODY_LIMIT, "count": 1})
    response = await client.post(
        "/items", content=payload, headers={"content-type": "application/json"}
    )
    body = assert_problem(response, 413)
    assert body["type"] == PROBLEM_TYPE_BASE + "content-too-large"
    assert response.headers["x-request-id"]


async def test_streamed_body_over_limit_is_413(client: httpx.AsyncClient) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"name": "'
        for _ in range(10):
            yield b"n" * 20
        yield b'", "count": 1}'

    response = await client.post(
        "/items", content=chunks(), headers={"content-type": "application/json"}
    )
    assert "content-length" not in response.request.headers
    assert_problem(response, 413)


async def test_streamed_body_under_limit_passes(client: httpx.AsyncClient) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"name": '
        yield b'"ok", "count": 2}'

    response = await client.post(
        "/items", content=chunks(), headers={"content-type": "application/json"}
    )
    assert response.status_code == 201
    assert response.json() == {"name": "ok", "count": 2}


async def test_path_override_allows_larger_bodies(client: httpx.AsyncClient) -> None:
    response = await client.post("/big", content=b"b" * (BIG_BODY_LIMIT - 1))
    assert response.status_code == 200
    assert response.json() == {"size": BIG_BODY_LIMIT - 1}
    assert_problem(await client.post("/big", content=b"b" * (BIG_BODY_LIMIT + 1)), 413)


async def test_metrics_use_route_templates(client: httpx.AsyncClient) -> None:
    await client.get("/items/7")
    await client.get("/no/such/route/123")
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    text = response.text
    samples = {
        (sample.name, tuple(sorted(sample.labels.items())))
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }
    labels = {"service": "test", "method": "GET", "route": "/items/{item_id}", "status": "200"}
    assert ("http_requests_total", tuple(sorted(labels.items()))) in samples
    unmatched = {**labels, "route": "<unmatched>", "status": "404"}
    assert ("http_requests_total", tuple(sorted(unmatched.items()))) in samples
    assert 'route="/items/7"' not in text
    assert 'route="/no/such/route/123"' not in text
    assert "http_request_duration_seconds_bucket" in text
    for gauge in (
        "eventlog_horizon_held_seconds",
        "eventlog_events_behind_horizon",
        "subscription_lag_events",
        "subscription_failed",
    ):
        assert f"# TYPE {gauge} gauge" in text


def test_many_apps_share_the_registry(http_settings: Settings) -> None:
    build_app(http_settings)
    build_app(http_settings)


# --- logging ----------------------------------------------------------------------------


@contextmanager
def json_logs() -> Iterator[io.StringIO]:
    """Configure JSON logging into a buffer, restoring the previous logging setup after."""
    root = logging.getLogger()
    saved_handlers, saved_level = list(root.handlers), root.level
    buffer = io.StringIO()
    try:
        configure_logging("info", "test-service", stream=buffer)
        yield buffer
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
        for handler in saved_handlers:
            root.addHandler(handler)
        root.setLevel(saved_level)


def _records(buffer: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in buffer.getvalue().splitlines()]


async def test_log_lines_are_json_with_request_id(client: httpx.AsyncClient) -> None:
    with json_logs() as buffer:
        await client.get("/log", headers={"X-Request-ID": "log-req-1"})
    [record] = [r for r in _records(buffer) if r["message"] == "hello from route"]
    assert record["request_id"] == "log-req-1"
    assert record["service"] == "test-service"
    assert record["level"] == "INFO"
    assert record["logger"] == "strongtrusts.test"
    assert record["urn"] == 100000
    assert datetime.fromisoformat(record["time"]).utcoffset() == timedelta(0)


async def test_unexpected_error_is_logged_with_traceback(client: httpx.AsyncClient) -> None:
    with json_logs() as buffer:
        await client.get("/boom", headers={"X-Request-ID": "boom-log"})
    [record] = [r for r in _records(buffer) if "exc_info" in r]
    assert record["request_id"] == "boom-log"
    assert record["level"] == "ERROR"
    assert "Traceback" in record["exc_info"]
    assert LEAKY_MESSAGE in record["exc_info"]


async def test_text_logs_are_one_readable_line_each(client: httpx.AsyncClient) -> None:
    root = logging.getLogger()
    saved_handlers, saved_level = list(root.handlers), root.level
    buffer = io.StringIO()
    try:
        configure_logging("info", "test-service", stream=buffer, fmt="text")
        await client.get("/log", headers={"X-Request-ID": "text-req-1"})
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
        for handler in saved_handlers:
            root.addHandler(handler)
        root.setLevel(saved_level)
    [line] = [x for x in buffer.getvalue().splitlines() if "hello from route" in x]
    assert not line.startswith("{")
    assert "INFO" in line and "strongtrusts.test: hello from route" in line
    assert line.endswith("urn=100000  [text-req-1]")


def test_the_cli_logs_text_in_development_and_json_when_asked_or_elsewhere() -> None:
    from shared.cli import build_parser as _parser
    from shared.cli.options import log_format as _log_format

    development = Settings(environment="development", jwt_secret=SECRET)
    production = Settings(environment="test", jwt_secret=SECRET)
    run = _parser().parse_args(["run"])
    assert _log_format(run, development) == "text"
    assert _log_format(run, production) == "json"
    asked = _parser().parse_args(["serve", "registry", "--log-format", "json"])
    assert _log_format(asked, development) == "json"


def test_log_outside_a_request_has_no_request_id() -> None:
    with json_logs() as buffer:
        logging.getLogger("strongtrusts.test").warning("outside")
    [record] = _records(buffer)
    assert record["request_id"] is None
    assert record["message"] == "outside"


async def test_a_token_accepted_under_one_secret_is_not_accepted_under_another(
    tmp_path: Path,
) -> None:
    from shared.http.auth import authenticate

    first = Settings(environment="test", jwt_secret="a" * 40, data_dir=tmp_path)
    second = Settings(environment="test", jwt_secret="b" * 40, data_dir=tmp_path)
    token = issue_token(first, roles=[Role.READER], subject="alice")
    assert (await authenticate(first, token)).subject == "alice"
    with pytest.raises(Unauthorized):
        await authenticate(second, token)
