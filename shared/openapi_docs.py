"""Each service's OpenAPI document, as served and as committed beside the service.

SDKs are generated from the committed ``services/<name>/openapi.json``; a test fails when
what a service serves differs from it, so an API change is always a reviewed file change.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from shared.serve import load_app
from shared.settings import PROJECT_ROOT, SERVICE_PORTS, Settings

# Building an app connects to nothing, so any well-formed settings will do.
_OFFLINE = Settings(environment="test", jwt_secret="openapi-" * 6)
_NO_DATABASE = "postgresql://openapi@127.0.0.1:1/none"


def served_document(service: str) -> dict[str, Any]:
    """The OpenAPI document the service serves at ``/openapi.json``."""
    document: dict[str, Any] = load_app(service, _OFFLINE, _NO_DATABASE).openapi()
    return document


def committed_path(service: str) -> Path:
    """Where the service's reviewed OpenAPI document lives."""
    return PROJECT_ROOT / "services" / service / "openapi.json"


def render(document: dict[str, Any]) -> str:
    """Stable text for a document: the same document always gives the same bytes."""
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def stale_services() -> list[str]:
    """Services whose committed document differs from what they serve."""
    stale: list[str] = []
    for service in SERVICE_PORTS:
        path = committed_path(service)
        if not path.exists() or path.read_text(encoding="utf-8") != render(
            served_document(service)
        ):
            stale.append(service)
    return stale


def write_all() -> list[Path]:
    """Write every service's served document beside it; returns the files written."""
    written = []
    for service in SERVICE_PORTS:
        path = committed_path(service)
        path.write_text(render(served_document(service)), encoding="utf-8")
        written.append(path)
    return written
