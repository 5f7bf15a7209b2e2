"""The same role and scope matrix, with production-style tokens: RS256 from an identity
provider whose keys are served as a JWKS over HTTP by this test, carrying Entra ID's claims
(app-role values in ``roles``, group object ids in ``groups``) that mean nothing to
strongtrusts until ``STRONGTRUSTS_JWT_CLAIM_MAP`` maps them to roles and scopes.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import AsyncIterator, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from shared.authority.roles import Role
from shared.settings import Settings
from tests.e2e.test_security import (
    World,
    check_read_matrix,
    check_role_matrix,
    check_scope_matrix,
    open_world,
)

ISSUER = "https://login.microsoftonline.com/test-tenant/v2.0"
AUDIENCE = "api://strongtrusts"
# Entra ID app roles, as the app registration names them: not our role names.
APP_ROLES = {role: f"StrongTrusts.{role.value.title().replace('_', '')}" for role in Role}
# Security groups, by object id: a national team, two regional case teams, two LA teams.
GROUPS = {
    label: str(uuid.uuid5(uuid.NAMESPACE_URL, f"https://groups.test/{label}"))
    for label in ("national", "region:D", "region:H", "la:383", "la:202")
}
# Every person is in groups strongtrusts knows nothing of (they grant nothing).
UNRELATED = [str(uuid.uuid4()) for _ in range(3)]
CLAIM_MAP = {
    "claims": ["roles", "groups"],
    "grants": {
        **{value: {"roles": [role.value]} for role, value in APP_ROLES.items()},
        **{group: {"scopes": [label]} for label, group in GROUPS.items()},
    },
}


@pytest.fixture(scope="module")
def identity_provider() -> Iterator[tuple[rsa.RSAPrivateKey, str]]:
    """A signing key, and the URL of its JWKS served over HTTP on a free local port."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)
    body = json.dumps({"keys": [{**jwk, "kid": "entra-1", "alg": "RS256", "use": "sig"}]})

    class Keys(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path != "/discovery/v2.0/keys":
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body.encode())

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Keys)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield key, f"http://127.0.0.1:{server.server_port}/discovery/v2.0/keys"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def _entra_token(
    key: rsa.RSAPrivateKey, roles: Sequence[Role], subject: str, scopes: Sequence[str]
) -> str:
    now = datetime.now(UTC)
    claims = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": subject,
        "oid": str(uuid.uuid5(uuid.NAMESPACE_URL, subject)),
        "tid": "test-tenant",
        "name": subject.title(),
        "roles": [APP_ROLES[role] for role in roles],
        "groups": [*UNRELATED, *(GROUPS[label] for label in scopes)],
        "iat": now,
        "nbf": now,
        "exp": now + timedelta(hours=1),
    }
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": "entra-1"})


@pytest.fixture(scope="module")
async def world(
    admin_url: str,
    tmp_path_factory: pytest.TempPathFactory,
    identity_provider: tuple[rsa.RSAPrivateKey, str],
) -> AsyncIterator[World]:
    key, jwks_url = identity_provider

    def settings_for(url: str) -> Settings:
        return Settings(
            environment="test",
            database_url=url,
            jwt_algorithm="RS256",
            jwt_jwks_url=jwks_url,
            jwt_issuer=ISSUER,
            jwt_audience=AUDIENCE,
            jwt_claim_map=json.dumps(CLAIM_MAP),
        )

    def minter(_: Settings) -> Any:
        def mint(roles: Sequence[Role], subject: str, scopes: Sequence[str]) -> str:
            return _entra_token(key, roles, subject, scopes)

        return mint

    files = tmp_path_factory.mktemp("entra")
    async with open_world(admin_url, files, settings_for, minter) as w:
        yield w


async def test_every_write_admits_exactly_its_roles_with_entra_tokens(world: World) -> None:
    await check_role_matrix(world)


async def test_every_write_checks_where_it_acts_with_entra_tokens(world: World) -> None:
    await check_scope_matrix(world)


async def test_every_read_admits_exactly_its_roles_with_entra_tokens(world: World) -> None:
    await check_read_matrix(world)


async def test_mapped_claims_grant_only_what_the_map_says(
    world: World, identity_provider: tuple[rsa.RSAPrivateKey, str]
) -> None:
    key, _ = identity_provider
    client = world.clients["commissioning"]
    # Our own claim names mean nothing from this provider: only the map grants.
    now = datetime.now(UTC)
    ours = jwt.encode(
        {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": "mallory",
            "roles": ["admin", "decision_maker"],
            "scopes": ["national"],
            "exp": now + timedelta(hours=1),
        },
        key,
        algorithm="RS256",
        headers={"kid": "entra-1"},
    )
    refused = await client.get("/cases", headers={"Authorization": f"Bearer {ours}"})
    assert refused.status_code == 403, refused.text
    # A groups claim that is not a list of strings is a bad token, named as such.
    broken = jwt.encode(
        {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": "x",
            "groups": {"a": 1},
            "exp": now + timedelta(hours=1),
        },
        key,
        algorithm="RS256",
        headers={"kid": "entra-1"},
    )
    answer = await client.get("/cases", headers={"Authorization": f"Bearer {broken}"})
    assert answer.status_code == 401 and answer.json()["claim"] == "groups", answer.text
    # A reader in the Yorkshire case team lists the case there; in London's, nothing.
    yorkshire = world.headers(Role.READER, scopes=["region:D"])
    london = world.headers(Role.READER, scopes=["region:H"])
    seen = (await client.get("/cases", headers=yorkshire)).json()["items"]
    assert world.case_id in {c["case_id"] for c in seen}
    assert (await client.get("/cases", headers=london)).json()["items"] == []
