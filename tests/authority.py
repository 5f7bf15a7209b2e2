"""Authority tables for tests that serve routes of their own (not a service's)."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import FastAPI

from shared.authority.rules import TableVersion
from shared.authority.table import AuthorityTable
from shared.authority.tables import AuthorityTables


def table(*rows: dict[str, Any]) -> AuthorityTable:
    """A table of ``rows`` (each a StepRule's fields; ``summary`` may be left out)."""
    return AuthorityTable.model_validate({"rows": [{"summary": "test", **r} for r in rows]})


def allow(app: FastAPI, *rows: dict[str, Any]) -> None:
    """Give a started app a fixed authority table of ``rows``, in force since 2000."""
    app.state.authority = AuthorityTables.fixed([TableVersion(1, date(2000, 1, 1), table(*rows))])
