"""The composition root's one way to find what each service adds (commands, first-run data).

Found by name, so that nothing in ``shared/`` imports a service package directly.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from types import ModuleType

from shared.settings import SERVICE_PORTS


def service_modules(name: str) -> Iterator[ModuleType]:
    """``services.<service>.<name>`` for each service that has such a module.

    In SERVICE_PORTS order, which is the order services feed each other (registry, then
    assessment, then commissioning), so first-run data can build on what came before.
    """
    for service in SERVICE_PORTS:
        module_name = f"services.{service}.{name}"
        try:
            yield importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
