"""Secrets generated once into the data directory, for development and tests only."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path

_generated: dict[Path, str] = {}
_lock = threading.Lock()


def generated_secret(path: Path, make: Callable[[], str]) -> str:
    """The secret kept in ``path``, made with ``make`` the first time it is asked for."""
    # The lock keeps two threads from both creating the file; O_EXCL does the same for processes.
    with _lock:
        cached = _generated.get(path)
        if cached is not None:
            return cached
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            secret = path.read_text(encoding="utf-8").strip()
            if not secret:
                raise RuntimeError(f"{path} is empty; delete it to generate a new secret") from None
        else:
            secret = make()
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(secret)
        _generated[path] = secret
        return secret
