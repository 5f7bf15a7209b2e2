"""How the console talks to the services: their generated SDKs, over HTTP, as the signed-in user.

One connection pool per service lives as long as the app. Each console request gets its
own thin clients carrying the user's token and the request id, so the APIs' role checks
stay the only authority and every write they record names the person, and the console's
request id becomes the correlation id of the events it causes.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

import httpx
from assessment_client.client import AuthenticatedClient as AssessmentClient
from commissioning_client.client import AuthenticatedClient as CommissioningClient
from registry_client.client import AuthenticatedClient as RegistryClient

from services.console.settings import ConsoleSettings

ServiceName = Literal["registry", "assessment", "commissioning"]
SERVICE_NAMES: tuple[ServiceName, ...] = ("registry", "assessment", "commissioning")
SERVICE_LABELS: Mapping[ServiceName, str] = {
    "registry": "school and trust register",
    "assessment": "trust assessment service",
    "commissioning": "commissioning service",
}

T = TypeVar("T")


@dataclass(frozen=True)
class FieldError:
    """One of a problem's ``errors``: where in the request, and what is wrong with it."""

    loc: tuple[str | int, ...]
    message: str


class ApiProblem(Exception):
    """A service answered with an RFC 9457 problem (or something that is not a success)."""

    def __init__(
        self,
        service: ServiceName,
        status: int,
        *,
        title: str,
        detail: str,
        errors: list[FieldError] | None = None,
        members: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(f"{service} answered {status}: {detail}")
        self.service = service
        self.status = status
        self.title = title
        self.detail = detail
        self.errors = errors or []
        self.members = dict(members or {})

    @classmethod
    def from_response(cls, service: ServiceName, status: int, content: bytes) -> ApiProblem:
        """Read a problem body; anything else becomes a problem saying only the status."""
        try:
            body = json.loads(content)
        except ValueError:
            body = None
        if not isinstance(body, dict):
            return cls(service, status, title="Error", detail=f"The {service} answered {status}.")
        errors = [
            FieldError(tuple(item.get("loc") or ()), str(item.get("msg", "")))
            for item in body.get("errors") or []
            if isinstance(item, dict)
        ]
        return cls(
            service,
            status,
            title=str(body.get("title", "Error")),
            detail=str(body.get("detail", body.get("title", ""))),
            errors=errors,
            members=body,
        )


class ServiceDown(Exception):
    """A service could not be reached, or did not answer in time."""

    def __init__(self, service: ServiceName, why: str) -> None:
        super().__init__(f"{service} is unavailable: {why}")
        self.service = service
        self.why = why


class ServiceApi:
    """One service's generated client, for one user, with the console's error handling."""

    def __init__(self, service: ServiceName, http: httpx.AsyncClient, base_url: str) -> None:
        self.service = service
        self.http = http
        self.base_url = base_url

    async def ok(self, pending: Awaitable[Any], kind: type[T]) -> T:
        """Await a generated ``asyncio_detailed`` call; its typed body on success.

        A problem becomes ``ApiProblem``; a refused connection or a time-out ``ServiceDown``.
        """
        try:
            response = await pending
        except (httpx.TransportError, httpx.TimeoutException) as exc:
            raise ServiceDown(self.service, type(exc).__name__) from exc
        status = int(response.status_code)
        if 200 <= status < 300 and isinstance(response.parsed, kind):
            return response.parsed
        if status == 503 or status == 502 or status == 504:
            raise ServiceDown(self.service, f"answered {status}")
        raise ApiProblem.from_response(self.service, status, response.content)

    async def send_streaming(self, request: httpx.Request) -> httpx.Response:
        """Send a request whose answer is streamed on (a download the generated client would
        read whole); errors as ``ok``. The caller closes the response."""
        try:
            response = await self.http.send(request, stream=True)
        except (httpx.TransportError, httpx.TimeoutException) as exc:
            raise ServiceDown(self.service, type(exc).__name__) from exc
        if response.status_code >= 400:
            content = await response.aread()
            await response.aclose()
            if response.status_code in (502, 503, 504):
                raise ServiceDown(self.service, f"answered {response.status_code}")
            raise ApiProblem.from_response(self.service, response.status_code, content)
        return response


class RegistryApi(ServiceApi):
    """The registry, as this user."""

    @property
    def client(self) -> RegistryClient:
        """The generated client to pass to the registry's operations."""
        return RegistryClient(base_url=self.base_url, token="").set_async_httpx_client(self.http)


class AssessmentApi(ServiceApi):
    """Assessment, as this user."""

    @property
    def client(self) -> AssessmentClient:
        """The generated client to pass to assessment's operations."""
        return AssessmentClient(base_url=self.base_url, token="").set_async_httpx_client(self.http)


class CommissioningApi(ServiceApi):
    """Commissioning, as this user."""

    @property
    def client(self) -> CommissioningClient:
        """The generated client to pass to commissioning's operations."""
        return CommissioningClient(base_url=self.base_url, token="").set_async_httpx_client(
            self.http
        )


@dataclass
class Apis:
    """The three services as one signed-in user sees them, for one console request."""

    registry: RegistryApi
    assessment: AssessmentApi
    commissioning: CommissioningApi


class Connections:
    """The app's connection pools to the services; hands out per-user clients."""

    def __init__(
        self,
        settings: ConsoleSettings,
        transports: Mapping[ServiceName, httpx.AsyncBaseTransport] | None = None,
    ) -> None:
        self.urls: dict[ServiceName, str] = {
            "registry": settings.registry_url.rstrip("/"),
            "assessment": settings.assessment_url.rstrip("/"),
            "commissioning": settings.commissioning_url.rstrip("/"),
        }
        self.timeout = httpx.Timeout(settings.api_timeout_s)
        given = dict(transports or {})
        self.transports: dict[ServiceName, httpx.AsyncBaseTransport] = {
            name: given.get(name) or httpx.AsyncHTTPTransport(retries=1) for name in SERVICE_NAMES
        }
        self._owned = [name for name in SERVICE_NAMES if name not in given]

    def for_user(self, token: str | None, request_id: str | None) -> Apis:
        """Clients that send ``token`` (none before sign-in) and the console's request id."""
        headers = {}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if request_id:
            headers["X-Request-ID"] = request_id

        def http(name: ServiceName) -> httpx.AsyncClient:
            # A thin client over the shared pool: constructing one costs microseconds, and
            # closing it would close the pool, so it is left to the garbage collector.
            return httpx.AsyncClient(
                transport=self.transports[name],
                base_url=self.urls[name],
                headers=headers,
                timeout=self.timeout,
                trust_env=False,
            )

        return Apis(
            registry=RegistryApi("registry", http("registry"), self.urls["registry"]),
            assessment=AssessmentApi("assessment", http("assessment"), self.urls["assessment"]),
            commissioning=CommissioningApi(
                "commissioning", http("commissioning"), self.urls["commissioning"]
            ),
        )

    async def close(self) -> None:
        """Close the pools this object opened."""
        for name in self._owned:
            await self.transports[name].aclose()
