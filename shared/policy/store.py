"""Policies in the log: read a policy's versions, publish the next one, seed from files."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from shared.contracts.policy import PolicySource, PolicyVersionFields
from shared.errors import Conflict, NotFound, UnprocessableContent
from shared.eventlog.contracts import EventMetadata
from shared.eventlog.errors import WrongExpectedVersion
from shared.eventlog.model import NewEvent
from shared.eventlog.store import EventStore
from shared.eventlog.unit import UnitOfWork
from shared.http.fields import IsoDate
from shared.policy.book import PolicyBook
from shared.policy.versions import dating_problems, document_problems, in_force

D = TypeVar("D", bound=BaseModel)


class UnknownPolicy(NotFound):
    """The service keeps no policy of that name."""

    type_uri = NotFound.type_uri.replace("not-found", "unknown-policy")


class PolicyNotInForce(Conflict):
    """No version of the policy had taken effect on the day asked about."""

    type_uri = Conflict.type_uri.replace("conflict", "policy-not-in-force")


class PolicyRefused(UnprocessableContent):
    """A version that cannot be published; ``problems`` lists everything wrong with it."""

    type_uri = UnprocessableContent.type_uri.replace("unprocessable-content", "policy-refused")


class PolicyPublication(BaseModel):
    """A version of a policy to publish: the log numbers it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    effective_from: IsoDate = Field(description="The day it takes effect (today or later).")
    title: str = Field(min_length=1, max_length=300)
    summary: str | None = Field(default=None, max_length=4000)
    sources: list[PolicySource] = Field(min_length=1, max_length=50)
    document: dict[str, Any]


@dataclass(frozen=True)
class InForce(Generic[D]):
    """A policy version in force, with its document read by its kind's schema."""

    version: PolicyVersionFields
    document: D

    @property
    def number(self) -> int:
        """The version's number, which work records beside what it did."""
        return self.version.policy_version


Source = EventStore | UnitOfWork


async def versions(source: Source, book: PolicyBook, name: str) -> list[PolicyVersionFields]:
    """Every published version of a policy, oldest first (decoded and upcast by the log)."""
    if name not in book.kinds:
        raise UnknownPolicy(
            f"{book.service} keeps no policy {name!r}", extra={"known_policies": sorted(book.kinds)}
        )
    recorded = await source.read_stream(book.stream(name))
    out: list[PolicyVersionFields] = []
    for event in recorded:
        decoded = event.decode(source.registry)
        if isinstance(decoded, PolicyVersionFields):
            out.append(decoded)
    return out


async def policy_in_force(
    source: Source, book: PolicyBook, name: str, on: date, schema: type[D]
) -> InForce[D]:
    """The version of ``name`` in force on ``on``, its document read as ``schema``."""
    found = in_force(await versions(source, book, name), on)
    if found is None:
        raise PolicyNotInForce(
            f"no version of {book.service}'s policy {name!r} had taken effect on {on.isoformat()}",
            extra={"policy": name, "on": on.isoformat()},
        )
    return InForce(found, schema.model_validate(found.document))


def problems(
    book: PolicyBook,
    name: str,
    publication: PolicyPublication,
    existing: list[PolicyVersionFields],
    today: date,
) -> list[dict[str, Any]]:
    """Everything wrong with publishing ``publication`` as the next version of ``name``."""
    kind = book.kind(name)
    document, found = document_problems(kind.document, publication.document)
    if document is not None:
        found += [
            {"loc": ["document"], "msg": msg, "type": "policy_check"}
            for msg in kind.check(document)
        ]
    found += [
        {"loc": ["effective_from"], "msg": msg, "type": "policy_dating"}
        for msg in dating_problems(existing, publication.effective_from, today)
    ]
    return found


async def publish(
    uow: UnitOfWork, book: PolicyBook, name: str, publication: PolicyPublication, today: date
) -> PolicyVersionFields:
    """Publish the next version of ``name``; PolicyRefused listing every problem."""
    existing = await versions(uow, book, name)
    found = problems(book, name, publication, existing, today)
    if found:
        raise PolicyRefused(
            f"{book.service}'s policy {name!r} cannot be published: {len(found)} problem(s)",
            extra={"errors": found},
        )
    event = book.contract(
        policy=name,
        policy_version=len(existing) + 1,
        effective_from=publication.effective_from,
        title=publication.title,
        summary=publication.summary,
        sources=publication.sources,
        document=publication.document,
    )
    await uow.append(book.stream(name), [event], expected_version=len(existing))
    return event


async def seed(store: EventStore, book: PolicyBook) -> list[str]:
    """Publish every seed file's version not yet in the log, in order; what was published.

    A seed that breaks its kind's checks is a bug in this repository, not a user's input:
    it raises. Replicas seeding at once race on the stream version; the loser leaves it.
    """
    if book.seeds is None:
        return []
    metadata = EventMetadata(actor=f"system:{book.service}", reason="policy shipped as data")
    published: list[str] = []
    for name in sorted(book.kinds):
        folder = book.seeds.joinpath(name)
        if not folder.is_dir():
            continue
        files = sorted(
            (f for f in folder.iterdir() if f.name.endswith(".json")),
            key=lambda f: int(f.name.removeprefix("v").removesuffix(".json")),
        )
        existing = await versions(store, book, name)
        for number, file in enumerate(files, start=1):
            if number <= len(existing):
                continue
            publication = PolicyPublication.model_validate(json.loads(file.read_text("utf-8")))
            kind = book.kind(name)
            document, found = document_problems(kind.document, publication.document)
            found += [{"msg": m} for m in (kind.check(document) if document else [])]
            if found:
                raise ValueError(f"seed {book.service}/{name}/{file.name} is not valid: {found}")
            event = book.contract(
                policy=name,
                policy_version=number,
                effective_from=publication.effective_from,
                title=publication.title,
                summary=publication.summary,
                sources=publication.sources,
                document=publication.document,
            )
            try:
                await store.append(
                    book.stream(name), [NewEvent(event, metadata)], expected_version=number - 1
                )
            except WrongExpectedVersion:
                break  # another replica seeded it first
            published.append(f"{name} v{number}")
    return published
