"""What every page's view model is made of: labels, dates, form errors, pagination."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import urlencode

from assessment_client.types import Unset as AssessmentUnset
from commissioning_client.types import Unset as CommissioningUnset
from registry_client.types import Unset as RegistryUnset
from starlette.datastructures import FormData

from services.console.clients import ApiProblem, FieldError

T = TypeVar("T")

_SPECIAL_LABELS = {
    "dao": "DAO",
    "la": "LA",
    "nti": "NTI",
    "mat": "MAT",
    "urn": "URN",
    "uid": "UID",
    "ofsted": "Ofsted",
    "gias": "GIAS",
    "rise": "RISE",
}


def label(value: object) -> str:
    """A code as words for a person: ``requires_improvement`` → "Requires improvement"."""
    if value is None:
        return ""
    text = str(getattr(value, "value", value))
    words = text.replace("-", " ").replace("_", " ").split()
    if not words:
        return ""
    out = [_SPECIAL_LABELS.get(w.lower(), w) for w in words]
    first = out[0]
    out[0] = first if first.isupper() else first[:1].upper() + first[1:]
    return " ".join(out)


def event_label(event_type: str) -> str:
    """An event type as words: ``commissioning.CaseCompleted`` → "Case completed"."""
    name = event_type.rsplit(".", 1)[-1]
    words = re.findall(r"[A-Z]+(?![a-z])|[A-Z][a-z0-9]*|[a-z0-9]+", name)
    if not words:
        return name
    rest = [w if w.isupper() and len(w) > 1 else w.lower() for w in words[1:]]
    return " ".join([words[0], *rest])


def long_date(value: dt.date | dt.datetime | str | None) -> str:
    """A date as GOV.UK writes it: "1 January 2027"; "" for none."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        text = value
        try:
            value = dt.date.fromisoformat(text[:10])
        except ValueError:
            return text
    if isinstance(value, dt.datetime):
        value = value.date()
    return f"{value.day} {value:%B %Y}"


def date_time(value: dt.datetime | str | None) -> str:
    """A moment as "1 January 2027 at 14:05 UTC"."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        text = value
        try:
            value = dt.datetime.fromisoformat(text)
        except ValueError:
            return text
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC)
    return f"{long_date(value)} at {value:%H:%M} UTC"


def parse_date(text: str | None) -> dt.date | None:
    """A date typed as YYYY-MM-DD (what a date input sends); None if it is not one."""
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        return None


@dataclass(frozen=True)
class SummaryRow:
    """One row of a GOV.UK summary list."""

    key: str
    value: str
    href: str | None = None


def rows(pairs: Iterable[tuple[str, object]]) -> list[SummaryRow]:
    """Summary rows for the pairs whose value is not empty."""
    return [SummaryRow(k, str(v)) for k, v in pairs if v not in (None, "", [])]


@dataclass
class FormErrors:
    """A form's errors: each message against its field, and the summary linking to them."""

    fields: dict[str, str] = field(default_factory=dict)
    general: list[str] = field(default_factory=list)

    def add(self, name: str, message: str) -> None:
        """An error on the field ``name`` (the first one on a field wins)."""
        self.fields.setdefault(name, message)

    def __bool__(self) -> bool:
        return bool(self.fields or self.general)

    def summary(self, first_field: str | None = None) -> list[dict[str, str]]:
        """The error summary's list: field errors link to the field; others to the form."""
        items = [{"text": msg, "href": f"#{name}"} for name, msg in self.fields.items()]
        for msg in self.general:
            items.append(
                {"text": msg, "href": f"#{first_field}" if first_field else "#main-content"}
            )
        return items

    def on(self, name: str) -> dict[str, str] | None:
        """The GOV.UK ``errorMessage`` for a field, or None."""
        message = self.fields.get(name)
        return {"text": message} if message else None


def errors_from_problem(
    problem: ApiProblem,
    fields: Mapping[str, str],
    members: Mapping[str, str] | None = None,
) -> FormErrors:
    """A problem as form errors.

    ``fields`` maps the API's body field names to the form's; an ``errors`` item is placed
    against its field, others and the problem's detail go in the summary. ``members`` maps a
    problem member the API adds (``allowed_reason_categories``) to the field it is about.
    """
    errors = FormErrors()
    placed = False
    for item in problem.errors:
        name = _field_of(item, fields)
        if name is not None:
            errors.add(name, _sentence(item.message, name))
            placed = True
        else:
            errors.general.append(_sentence(item.message, None))
    for member, name in (members or {}).items():
        if member in problem.members:
            errors.add(name, problem.detail)
            placed = True
    if not placed:
        errors.general.insert(0, problem.detail)
    return errors


def stale_or(
    problem: ApiProblem,
    fields: Mapping[str, str],
    members: Mapping[str, str] | None = None,
    *,
    thing: str = "case",
) -> FormErrors:
    """Form errors for a problem; a stale version says so in words a person can act on."""
    if problem.status in (409, 412) and "version" in problem.detail.lower():
        errors = FormErrors()
        errors.general.append(
            f"Someone else changed this {thing} while you were working on it. "
            f"Check the {thing} again and re-enter your change."
        )
        return errors
    return errors_from_problem(problem, fields, members)


def _field_of(item: FieldError, fields: Mapping[str, str]) -> str | None:
    for part in reversed(item.loc):
        if isinstance(part, str) and part in fields:
            return fields[part]
    return None


def _sentence(message: str, name: str | None) -> str:
    text = message.strip() or "Check this answer"
    if name:
        text = f"{label(name)}: {text[:1].lower()}{text[1:]}"
    return text if text.endswith(".") else text + "."


@dataclass(frozen=True)
class Pagination:
    """Next page by the API's cursor; back to the first page once past it."""

    next_href: str | None
    first_href: str | None

    @classmethod
    def build(
        cls,
        path: str,
        query: Mapping[str, Any],
        next_cursor: str | None,
        *,
        param: str = "cursor",
        fragment: str = "",
    ) -> Pagination:
        """Links for a list at ``path`` filtered by ``query`` (its cursor, named ``param``,
        replaced); ``fragment`` is where on the page the list is."""
        kept = {k: v for k, v in query.items() if k != param and v not in (None, "")}
        base = path + ("?" + urlencode(kept) if kept else "")
        anchor = f"#{fragment}" if fragment else ""
        return cls(
            next_href=(path + "?" + urlencode({**kept, param: next_cursor}) + anchor)
            if next_cursor
            else None,
            first_href=base + anchor if query.get(param) else None,
        )


@dataclass(frozen=True)
class Choice:
    """An option of a select, radios or checkboxes."""

    value: str
    text: str
    selected: bool = False
    hint: str | None = None


def choices(values: Sequence[str], selected: Iterable[str] | str | None = None) -> list[Choice]:
    """Options labelled from their codes."""
    chosen = {selected} if isinstance(selected, str) else set(selected or ())
    return [Choice(v, label(v), v in chosen) for v in values]


def given(value: T | RegistryUnset | AssessmentUnset | CommissioningUnset | None) -> T | None:
    """A generated model's optional field: None when the API left it out."""
    if isinstance(value, RegistryUnset | AssessmentUnset | CommissioningUnset):
        return None
    return value


def form_text(data: FormData | Mapping[str, str], name: str) -> str:
    """A posted field's text, trimmed; empty when it was not sent."""
    return str(data.get(name) or "").strip()
