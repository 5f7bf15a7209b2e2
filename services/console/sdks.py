"""Generate the console's API clients from the committed OpenAPI documents and install them.

``make install`` runs ``python -m services.console.sdks``: openapi-python-client turns each
service's ``services/<name>/openapi.json`` into a package (``registry_client``,
``assessment_client``, ``commissioning_client``) under ``build/sdks/`` (ignored by git), and
pip installs it into the running interpreter's environment. The console imports them like
any third-party client, so it can only do what the published documents allow, and mypy
checks its calls against the generated types. Nothing generated is committed: the documents
are the source, and a change to one regenerates its client on the next ``make install``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from shared.openapi_docs import committed_path
from shared.settings import PROJECT_ROOT

SERVICES = ("registry", "assessment", "commissioning")
BUILD_DIR = PROJECT_ROOT / "build" / "sdks"


def package_name(service: str) -> str:
    """The import name of a service's generated client."""
    return f"{service}_client"


def _generator() -> str:
    beside = Path(sys.executable).parent / "openapi-python-client"
    found = str(beside) if beside.exists() else shutil.which("openapi-python-client")
    if not found:
        raise SystemExit("openapi-python-client is missing: install the dev extras first")
    return found


def generate(build_dir: Path = BUILD_DIR) -> list[Path]:
    """Generate every client (in parallel) into ``build_dir``; the project folders made."""
    generator = _generator()
    build_dir.mkdir(parents=True, exist_ok=True)
    # The generator formats its output with ruff, which lives beside it.
    env = {
        **os.environ,
        "PATH": f"{Path(generator).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    runs: dict[str, tuple[Path, subprocess.Popen[str]]] = {}
    for service in SERVICES:
        config = build_dir / f"{service}.yaml"
        config.write_text(
            f"project_name_override: strongtrusts-{service}-client\n"
            f"package_name_override: {package_name(service)}\n"
        )
        out = build_dir / service
        runs[service] = (
            out,
            subprocess.Popen(
                [
                    generator,
                    "generate",
                    "--path",
                    str(committed_path(service)),
                    "--config",
                    str(config),
                    "--meta",
                    "setup",
                    "--output-path",
                    str(out),
                    "--overwrite",
                ],
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                env=env,
            ),
        )
    made = []
    for service, (out, run) in runs.items():
        output, _ = run.communicate(timeout=300)
        if run.returncode != 0:
            raise SystemExit(f"generating the {service} client failed:\n{output}")
        made.append(out)
    return made


def install(projects: list[Path]) -> None:
    """Install the generated projects into this interpreter's environment (not editable, so
    the environment keeps working if ``build/`` is cleaned)."""
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", *map(str, projects)],
        check=True,
    )


def main() -> None:
    """Generate and install every client."""
    install(generate())
    print(f"installed {', '.join(package_name(s) for s in SERVICES)} from the OpenAPI documents")


if __name__ == "__main__":
    main()
