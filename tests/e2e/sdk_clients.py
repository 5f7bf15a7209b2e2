"""Python SDKs generated from the committed OpenAPI documents, as an outside user would make them.

Each service's ``services/<name>/openapi.json`` goes through openapi-python-client into a
package of its own (``<name>_sdk``); tests import the generated modules by operationId, so
the SDKs are exercised exactly as generated. The generated code is untyped to mypy (it is
written at test time), hence the ``Any`` at this boundary.
"""

from __future__ import annotations

import importlib
import io
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI

from shared.openapi_docs import committed_path

SERVICES = ("registry", "assessment", "commissioning")


@dataclass(frozen=True)
class Sdk:
    """One generated package, and what the generator said while making it."""

    service: str
    package: str
    generator_output: str

    def operation(self, operation_id: str) -> Any:
        """The generated module for an operationId, e.g. ``"cases-open_case"``.

        The generator files each operation under its first tag and names the module after
        the operationId; the services' operationIds are ``<tag>-<function>``.
        """
        tag, _, name = operation_id.partition("-")
        return importlib.import_module(f"{self.package}.api.{tag}.{tag}_{name}")

    def model(self, name: str) -> Any:
        """A generated model class, e.g. ``"CaseOpening"``."""
        return getattr(importlib.import_module(f"{self.package}.models"), name)

    def file(self, path: Path, mime_type: str = "text/csv") -> Any:
        """A generated ``File`` to upload, read from ``path``."""
        types = importlib.import_module(f"{self.package}.types")
        return types.File(
            payload=io.BytesIO(path.read_bytes()), file_name=path.name, mime_type=mime_type
        )

    def client(self, app: FastAPI, token: str) -> Any:
        """An ``AuthenticatedClient`` talking to ``app`` in process."""
        module = importlib.import_module(f"{self.package}.client")
        return module.AuthenticatedClient(
            base_url="http://test",
            token=token,
            timeout=httpx.Timeout(30),
            httpx_args={"transport": httpx.ASGITransport(app=app)},
        )


def _generator() -> str:
    # A dev dependency: look beside the running interpreter first (a venv not on PATH).
    beside = Path(sys.executable).parent / "openapi-python-client"
    found = str(beside) if beside.exists() else shutil.which("openapi-python-client")
    assert found, "openapi-python-client is a dev dependency: install the dev extras"
    return found


@contextmanager
def generated_sdks(folder: Path) -> Iterator[dict[str, Sdk]]:
    """Generate every service's SDK into ``folder`` and make them importable meanwhile."""
    generator = _generator()
    # The generator formats its output with ruff, which lives beside it.
    env = {
        **os.environ,
        "PATH": f"{Path(generator).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    runs = {
        service: subprocess.Popen(
            [
                generator,
                "generate",
                "--path",
                str(committed_path(service)),
                "--meta",
                "none",  # a bare package: the output folder is the importable package
                "--output-path",
                str(folder / f"{service}_sdk"),
                "--overwrite",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
        )
        for service in SERVICES
    }
    sdks: dict[str, Sdk] = {}
    for service, run in runs.items():
        output, _ = run.communicate(timeout=120)
        assert run.returncode == 0, f"generating the {service} SDK failed:\n{output}"
        sdks[service] = Sdk(service, f"{service}_sdk", output)
    sys.path.insert(0, str(folder))
    try:
        yield sdks
    finally:
        sys.path.remove(str(folder))
        for name in [
            m for m in sys.modules if m.split(".")[0] in {s.package for s in sdks.values()}
        ]:
            del sys.modules[name]
