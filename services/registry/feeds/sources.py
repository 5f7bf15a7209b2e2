"""Where each feed's files are published and when they are pulled, from the settings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from services.registry.feeds.domain import DriftLimits, Schedule
from services.registry.feeds.fetch import FetchPolicy
from shared.contracts.feeds import FeedName
from shared.settings import Settings


@dataclass(frozen=True)
class FileSpec:
    """One file of a feed's set: its role, its name (``{date}`` is YYYYMMDD) and whether the
    importer can do without it."""

    role: str
    template: str
    required: bool = True

    def name(self, day: date) -> str:
        """The file's name for ``day``."""
        return self.template.format(date=day.strftime("%Y%m%d"))


@dataclass(frozen=True)
class FeedSource:
    """A feed: the base URL its dated files are under, which files make a set, and when."""

    name: FeedName
    base_url: str
    files: tuple[FileSpec, ...]
    schedule: Schedule
    lookback_days: int

    def url(self, spec: FileSpec, day: date) -> str:
        """Where ``spec``'s file for ``day`` is published."""
        return f"{self.base_url.rstrip('/')}/{spec.name(day)}"

    @property
    def required(self) -> tuple[str, ...]:
        """The roles a snapshot cannot be applied without."""
        return tuple(f.role for f in self.files if f.required)


GIAS_FILES = (
    FileSpec("establishments", "edubasealldata{date}.csv"),
    FileSpec("groups", "allgroupsdata{date}.csv"),
    FileSpec("links", "alllinksdata{date}.csv"),
    # The importer can apply a snapshot without predecessor links; it is still held without
    # them, since GIAS publishing three files of four is itself a sign of trouble.
    FileSpec("predecessor_links", "links_edubasealldata{date}.csv", required=False),
)


def _ofsted_files(templates: tuple[str, ...]) -> tuple[FileSpec, ...]:
    # Each Ofsted file is imported on its own, so none is required for a release.
    return tuple(
        FileSpec(t.replace("{date}", "").removesuffix(".csv").strip("_-") or f"file{i}", t, False)
        for i, t in enumerate(templates)
    )


def feed_sources(settings: Settings) -> list[FeedSource]:
    """The feeds with a base URL configured; ValueError for a schedule that cannot be read."""
    sources: list[FeedSource] = []
    if settings.feeds_gias_base_url:
        sources.append(
            FeedSource(
                "gias",
                settings.feeds_gias_base_url,
                GIAS_FILES,
                Schedule.parse(settings.feeds_gias_schedule),
                settings.feeds_gias_lookback_days,
            )
        )
    if settings.feeds_ofsted_base_url and settings.feeds_ofsted_files:
        sources.append(
            FeedSource(
                "ofsted",
                settings.feeds_ofsted_base_url,
                _ofsted_files(settings.feeds_ofsted_files),
                Schedule.parse(settings.feeds_ofsted_schedule),
                settings.feeds_ofsted_lookback_days,
            )
        )
    return sources


def feeds_dir(settings: Settings) -> Path:
    """Where fetched files wait until their snapshot is applied or discarded."""
    return settings.feeds_dir or settings.data_dir / "feeds"


def fetch_policy(settings: Settings) -> FetchPolicy:
    """How hard a pull tries, and how much it accepts, as configured."""
    return FetchPolicy(
        attempts=settings.feeds_attempts,
        retry_base_s=settings.feeds_retry_base_s,
        max_bytes=settings.feeds_max_file_bytes,
    )


def drift_limits(settings: Settings) -> DriftLimits:
    """The drift guard's limits, as configured."""
    return DriftLimits(settings.feeds_max_closed_share, settings.feeds_max_moved_schools)


# What each feed's snapshot cannot be applied without, whatever the settings say.
REQUIRED_FILES: dict[str, tuple[str, ...]] = {
    "gias": tuple(f.role for f in GIAS_FILES if f.required),
    "ofsted": (),
}
