"""Static checks of docker-compose.yml and the Dockerfile (Docker itself does not run here)."""

from __future__ import annotations

import re
import shlex
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest
import yaml

from shared.settings import SERVICE_PORTS, ServiceName

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"

API_SERVICES: list[ServiceName] = sorted(SERVICE_PORTS)
# What logs in to the database as a role of its own (shared/ownership.py).
ROLE_SERVICES: list[str] = [*API_SERVICES, "audit", "publisher"]
APP_SERVICES: list[str] = ["migrate", *ROLE_SERVICES]
ALL_SERVICES: set[str] = {"postgres", "nats", "console", *APP_SERVICES}


@cache
def load_compose() -> dict[str, Any]:
    """The parsed compose file (aliases resolved); fails the test if it is not a mapping."""
    data = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
    assert isinstance(data, dict), "docker-compose.yml must be a mapping"
    return data


def service(name: str) -> dict[str, Any]:
    """One service's definition."""
    services = load_compose().get("services")
    assert isinstance(services, dict), "docker-compose.yml needs a services mapping"
    svc = services.get(name)
    assert isinstance(svc, dict), f"service {name!r} is missing or not a mapping"
    return svc


def environment(name: str) -> dict[str, str]:
    """A service's environment, whether written as a mapping or as a KEY=VALUE list."""
    env = service(name).get("environment", {})
    if isinstance(env, list):
        pairs = [str(item).split("=", 1) for item in env]
        return {p[0]: p[1] if len(p) > 1 else "" for p in pairs}
    assert isinstance(env, dict), f"{name}: environment must be a mapping or a list"
    return {str(k): "" if v is None else str(v) for k, v in env.items()}


def command(name: str) -> list[str]:
    """A service's command as argv, whether written as a list or as a string."""
    cmd = service(name).get("command")
    assert cmd is not None, f"{name}: no command"
    return shlex.split(cmd) if isinstance(cmd, str) else [str(part) for part in cmd]


def option(argv: list[str], flag: str) -> str | None:
    """The value of ``--flag VALUE`` or ``--flag=VALUE`` in argv."""
    for i, arg in enumerate(argv):
        if arg == flag and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith(flag + "="):
            return arg.split("=", 1)[1]
    return None


def published_ports(name: str) -> set[tuple[int, int]]:
    """(host, container) pairs a service publishes, from short or long port syntax."""
    out: set[tuple[int, int]] = set()
    for entry in service(name).get("ports", []):
        if isinstance(entry, dict):
            out.add((int(entry["published"]), int(entry["target"])))
            continue
        parts = str(entry).split("/")[0].split(":")
        assert len(parts) >= 2, f"{name}: port {entry!r} publishes to a random host port"
        out.add((int(parts[-2]), int(parts[-1])))
    return out


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, with comments dropped and continuations joined."""
    logical: list[str] = []
    pending = ""
    for raw in DOCKERFILE.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        logical.append(pending + line)
        pending = ""
    if pending:
        logical.append(pending)
    out: list[tuple[str, str]] = []
    for line in logical:
        keyword, _, rest = line.partition(" ")
        out.append((keyword.upper(), rest.strip()))
    return out


def test_console_reaches_the_apis_by_their_service_names_and_serves_on_8000() -> None:
    env = environment("console")
    for name in API_SERVICES:
        assert (
            env[f"STRONGTRUSTS_CONSOLE_{name.upper()}_URL"]
            == f"http://{name}:{SERVICE_PORTS[name]}"
        )
    assert (8000, 8000) in published_ports("console")
    assert env["STRONGTRUSTS_ENVIRONMENT"] == "production"
    assert re.fullmatch(
        r"\$\{STRONGTRUSTS_CONSOLE_SESSION_SECRET:\?.+\}",
        env["STRONGTRUSTS_CONSOLE_SESSION_SECRET"],
    )
    assert "DATABASE_URL" not in env  # a client of the APIs, never of the database


def test_compose_defines_exactly_the_expected_services() -> None:
    services = load_compose().get("services")
    assert isinstance(services, dict)
    assert set(services) == ALL_SERVICES


def test_postgres_is_version_16_with_a_volume_and_healthcheck() -> None:
    pg = service("postgres")
    assert re.fullmatch(r"postgres:16([.-].*)?", str(pg.get("image", ""))), pg.get("image")
    volumes = [str(v) for v in pg.get("volumes", [])]
    named = load_compose().get("volumes") or {}
    assert any(v.split(":")[0] in named for v in volumes), "postgres needs a named volume"
    assert "pg_isready" in " ".join(map(str, pg.get("healthcheck", {}).get("test", [])))


def _postgres_url(url: str, user: str, password: str | None = None) -> None:
    parts = urlsplit(url)
    pg_env = environment("postgres")
    assert parts.scheme in {"postgresql", "postgres", "postgresql+asyncpg"}
    assert parts.hostname == "postgres"
    assert parts.port in {None, 5432}
    assert unquote(parts.username or "") == user
    if password is not None:
        assert unquote(parts.password or "") == password
    assert parts.path.lstrip("/") == pg_env["POSTGRES_DB"]


def test_only_the_migration_logs_in_as_the_owner() -> None:
    pg_env = environment("postgres")
    env = environment("migrate")
    _postgres_url(env["DATABASE_URL"], pg_env["POSTGRES_USER"], pg_env["POSTGRES_PASSWORD"])
    # It also knows each role's URL, to give the role its password after migrating.
    for name in ROLE_SERVICES:
        assert (
            env[f"STRONGTRUSTS_{name.upper()}_DATABASE_URL"]
            == environment(name)[f"STRONGTRUSTS_{name.upper()}_DATABASE_URL"]
        )
    for name in ROLE_SERVICES:
        assert "DATABASE_URL" not in environment(name), f"{name} must not get the owner's URL"


@pytest.mark.parametrize("name", ROLE_SERVICES)
def test_each_service_logs_in_as_its_own_role_with_a_required_password(name: str) -> None:
    env = environment(name)
    url = env[f"STRONGTRUSTS_{name.upper()}_DATABASE_URL"]
    # Compose fills the password in before anything reads the URL; ${VAR:?...} makes it
    # refuse to start without one rather than default it.
    placeholder = re.search(r"\$\{[^}]*\}", url)
    assert placeholder is not None, f"{name}: the password is not taken from the environment"
    assert re.fullmatch(rf"\$\{{STRONGTRUSTS_{name.upper()}_DB_PASSWORD:\?.+\}}", placeholder[0])
    _postgres_url(url.replace(placeholder[0], "secret"), f"strongtrusts_{name}", "secret")
    others = {k for k in env if k.endswith("_DATABASE_URL")} - {
        f"STRONGTRUSTS_{name.upper()}_DATABASE_URL"
    }
    assert not others, f"{name} has other roles' credentials: {sorted(others)}"


def test_the_audit_worker_runs_the_chain_and_index_without_http() -> None:
    assert command("audit")[:3] == ["strongtrusts", "worker", "audit"]
    check = service("audit").get("healthcheck", {})
    assert "--check" in " ".join(map(str, check.get("test", [])))
    assert not published_ports("audit")


def test_the_publisher_runs_alone_against_the_jetstream_server() -> None:
    assert command("publisher")[:3] == ["strongtrusts", "publisher", "run"]
    assert environment("publisher")["STRONGTRUSTS_NATS_URL"] == "nats://nats:4222"
    assert "--jetstream" in command("nats")
    assert not published_ports("publisher")


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_service_runs_in_production_with_a_required_secret(name: str) -> None:
    env = environment(name)
    assert env.get("STRONGTRUSTS_ENVIRONMENT") == "production"
    # ${VAR:?message} makes compose refuse to start without the secret rather than default it.
    assert re.fullmatch(
        r"\$\{STRONGTRUSTS_JWT_SECRET:\?.+\}", env.get("STRONGTRUSTS_JWT_SECRET", "")
    )


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_service_is_built_from_this_repository(name: str) -> None:
    build = service(name).get("build")
    context = build.get("context") if isinstance(build, dict) else build
    assert context in {".", "./"}, f"{name}: build context is {context!r}"


def test_migrate_runs_once_after_postgres_is_healthy() -> None:
    migrate = service("migrate")
    assert command("migrate")[:3] == ["strongtrusts", "db", "upgrade"]
    assert migrate.get("depends_on", {}).get("postgres", {}).get("condition") == "service_healthy"
    assert str(migrate.get("restart")) == "no"


@pytest.mark.parametrize("name", API_SERVICES)
def test_api_service_serves_itself_on_its_documented_port(name: ServiceName) -> None:
    port = SERVICE_PORTS[name]
    argv = command(name)
    assert argv[:3] == ["strongtrusts", "serve", name]
    assert option(argv, "--port") == str(port)
    assert option(argv, "--host") == "0.0.0.0"
    assert (port, port) in published_ports(name)


@pytest.mark.parametrize("name", API_SERVICES)
def test_api_service_waits_for_postgres_and_migrations(name: ServiceName) -> None:
    deps = service(name).get("depends_on")
    assert isinstance(deps, dict), f"{name}: depends_on needs conditions (long syntax)"
    assert deps.get("postgres", {}).get("condition") == "service_healthy"
    assert deps.get("migrate", {}).get("condition") == "service_completed_successfully"


@pytest.mark.parametrize("name", API_SERVICES)
def test_api_service_healthcheck_probes_readyz_on_its_port(name: ServiceName) -> None:
    check = service(name).get("healthcheck")
    assert isinstance(check, dict) and not check.get("disable"), f"{name}: no healthcheck"
    test = check.get("test")
    text = test if isinstance(test, str) else " ".join(map(str, test or []))
    assert f":{SERVICE_PORTS[name]}/readyz" in text
    assert "urllib" in text, "slim images have no curl; probe with python's urllib"


def test_dockerfile_is_slim_non_root_with_healthcheck_and_serve_cmd() -> None:
    assert DOCKERFILE.is_file()
    instructions = dockerfile_instructions()
    froms = [args for kw, args in instructions if kw == "FROM"]
    assert froms and froms[-1].split()[0].startswith("python:3.11-slim")
    users = [args.split(":")[0] for kw, args in instructions if kw == "USER"]
    assert users, "the image must switch to a non-root USER"
    assert users[-1] not in {"root", "0"}
    assert any(kw == "HEALTHCHECK" and "/healthz" in args for kw, args in instructions)
    cmds = [args for kw, args in instructions if kw == "CMD"]
    assert cmds and re.search(r"strongtrusts\W+serve", cmds[-1]), "CMD must run strongtrusts serve"


def test_dockerfile_copies_what_the_runtime_needs_without_dev_extras() -> None:
    instructions = dockerfile_instructions()
    copied = " ".join(args for kw, args in instructions if kw in {"COPY", "ADD"})
    for needed in ("alembic.ini", "migrations", "shared", "services", "pyproject.toml"):
        assert needed in copied, f"the Dockerfile does not copy {needed}"
    runs = " ".join(args for kw, args in instructions if kw == "RUN")
    assert "pip install" in runs
    assert "[dev]" not in runs


def test_dockerignore_keeps_local_state_out_of_the_build_context() -> None:
    entries = {
        line.strip().strip("/")
        for line in DOCKERIGNORE.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    }
    for excluded in (".venv", ".data", ".git", "tests", "bench", "**/__pycache__"):
        assert excluded in entries, f".dockerignore does not exclude {excluded}"
