"""Frameworks as data: a definition an admin publishes, numbered into a version by the log."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from services.assessment.errors import InvalidFramework
from shared.contracts.assessment import (
    FrameworkId,
    FrameworkVersionPublished,
    PillarDefinition,
    ThemeDefinition,
)
from shared.http.fields import PILLARS_MAX, THEMES_MAX, IsoDate, Name, Reference


class FrameworkPillar(PillarDefinition):
    """A pillar of a framework being published, and its themes."""

    themes: list[ThemeDefinition] = Field(default_factory=list, max_length=THEMES_MAX)


class FrameworkDefinition(BaseModel):
    """A framework as data: its pillars and their themes; the log numbers its versions."""

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "framework_id": "dfe-trust-quality",
                    "name": "Trust quality descriptions",
                    "publisher": "Department for Education",
                    "published_on": "2027-01-01",
                    "pillars": [
                        {
                            "key": "education",
                            "name": "High-quality and inclusive education",
                            "themes": [{"key": "curriculum", "name": "Curriculum"}],
                        },
                        {"key": "school_improvement", "name": "School improvement"},
                    ],
                }
            ]
        },
    )

    framework_id: FrameworkId
    name: Name
    publisher: Name
    published_on: IsoDate
    source: Reference | None = None
    pillars: list[FrameworkPillar] = Field(min_length=1, max_length=PILLARS_MAX)


def framework_version(definition: FrameworkDefinition, version: int) -> FrameworkVersionPublished:
    """The event publishing ``definition`` as ``version``; InvalidFramework if keys repeat."""
    seen: set[str] = set()
    for pillar in definition.pillars:
        if pillar.key in seen:
            raise InvalidFramework(
                f"pillar key {pillar.key!r} appears twice", extra={"pillar": pillar.key}
            )
        seen.add(pillar.key)
        themes = [t.key for t in pillar.themes]
        if len(themes) != len(set(themes)):
            raise InvalidFramework(
                f"pillar {pillar.key!r} repeats a theme key", extra={"pillar": pillar.key}
            )
    return FrameworkVersionPublished(
        **definition.model_dump(exclude={"pillars"}),
        pillars=list(definition.pillars),
        framework_version=version,
    )
