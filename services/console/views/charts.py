"""Charts and maps as server-rendered SVG geometry, each with its text alternative.

Only numbers are computed here (positions, lengths, labels); the templates in
``templates/partials/`` draw them. Every chart also says in words what it shows, and the
page beside it carries the same figures as a table, so nothing depends on seeing the SVG.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

# Drawing units (the SVG's viewBox); the browser scales the whole drawing.
BAR_WIDTH = 400
BAR_HEIGHT = 22
LABEL_WIDTH = 220


@dataclass(frozen=True)
class Bar:
    """One bar: its label, the value shown, and its length in drawing units."""

    label: str
    value_text: str
    y: int
    length: float
    muted: bool = False


@dataclass(frozen=True)
class BarChart:
    """Horizontal bars against a common maximum."""

    title: str
    description: str
    bars: tuple[Bar, ...]
    width: int
    height: int
    label_width: int

    @classmethod
    def build(
        cls,
        title: str,
        items: Sequence[tuple[str, float, str]],
        *,
        maximum: float | None = None,
        muted: Sequence[bool] | None = None,
    ) -> BarChart:
        """Bars for ``(label, value, value as text)``; lengths are shares of ``maximum``."""
        top = maximum if maximum is not None else max((v for _, v, _ in items), default=0.0)
        bars = tuple(
            Bar(
                label=name,
                value_text=text,
                y=i * (BAR_HEIGHT + 8),
                length=0.0 if top <= 0 else round(max(0.0, min(value, top)) / top * BAR_WIDTH, 1),
                muted=bool(muted[i]) if muted is not None else False,
            )
            for i, (name, value, text) in enumerate(items)
        )
        description = "; ".join(f"{name}: {text}" for name, _, text in items) or "No figures."
        return cls(
            title=title,
            description=description,
            bars=bars,
            width=LABEL_WIDTH + BAR_WIDTH + 80,
            height=max(1, len(bars)) * (BAR_HEIGHT + 8),
            label_width=LABEL_WIDTH,
        )


@dataclass(frozen=True)
class LinePoint:
    """A point of a line chart, with the text of its value."""

    x: float
    y: float
    label: str
    value_text: str


@dataclass(frozen=True)
class LineChart:
    """A share (0–1) over time: a line across labelled points, with 0%, 50% and 100% marked."""

    title: str
    description: str
    points: tuple[LinePoint, ...]
    polyline: str
    width: int
    height: int
    left: int
    bottom: int
    gridlines: tuple[tuple[float, str], ...]

    @classmethod
    def shares(cls, title: str, series: Sequence[tuple[str, float]]) -> LineChart:
        """A line through ``(label, share)`` pairs, oldest first."""
        width, height, left, right, top, bottom = 640, 260, 50, 20, 15, 220
        span = max(1, len(series) - 1)
        plot_w, plot_h = width - left - right, bottom - top

        def y_of(share: float) -> float:
            return round(bottom - max(0.0, min(1.0, share)) * plot_h, 1)

        points = tuple(
            LinePoint(
                x=round(left + (i / span) * plot_w if len(series) > 1 else left + plot_w / 2, 1),
                y=y_of(share),
                label=name,
                value_text=f"{share:.0%}",
            )
            for i, (name, share) in enumerate(series)
        )
        description = (
            ", ".join(f"{p.label}: {p.value_text}" for p in points) if points else "No figures."
        )
        return cls(
            title=title,
            description=description,
            points=points,
            polyline=" ".join(f"{p.x},{p.y}" for p in points),
            width=width,
            height=height,
            left=left,
            bottom=bottom,
            gridlines=tuple((y_of(s), f"{s:.0%}") for s in (0.0, 0.5, 1.0)),
        )


@dataclass(frozen=True)
class MapPoint:
    """A school on the map."""

    x: float
    y: float
    label: str
    href: str | None
    highlight: bool = False


@dataclass(frozen=True)
class SchoolMap:
    """Schools placed by their British National Grid easting and northing.

    Plain metres on a flat grid, so a linear scale is a true map; north is up (SVG's y
    runs down, so northing is flipped). Fitted to the schools shown, with a margin.
    """

    title: str
    description: str
    points: tuple[MapPoint, ...]
    width: int
    height: int
    unplaced: int
    span_km: float

    @classmethod
    def build(
        cls,
        title: str,
        schools: Sequence[tuple[str, int | None, int | None, str | None, bool]],
    ) -> SchoolMap:
        """A map of ``(name, easting, northing, link, highlighted)``; schools with no
        coordinates are counted, not drawn."""
        placed = [
            (n, e, no, h, hi) for n, e, no, h, hi in schools if e is not None and no is not None
        ]
        size = 500
        if not placed:
            return cls(
                title,
                "No school on this map has a grid reference.",
                (),
                size,
                size,
                len(schools),
                0.0,
            )
        eastings = [e for _, e, _, _, _ in placed]
        northings = [n for _, _, n, _, _ in placed]
        # A square extent with a margin, at least 10 km across so one school is not a blur.
        extent = max(max(eastings) - min(eastings), max(northings) - min(northings), 10_000) * 1.15
        cx = (max(eastings) + min(eastings)) / 2
        cy = (max(northings) + min(northings)) / 2
        scale = size / extent
        points = tuple(
            MapPoint(
                x=round((e - cx) * scale + size / 2, 1),
                y=round(size / 2 - (n - cy) * scale, 1),
                label=name,
                href=href,
                highlight=hi,
            )
            for name, e, n, href, hi in placed
        )
        unplaced = len(schools) - len(placed)
        description = (
            f"{len(placed)} schools across about {extent / 1000:.0f} km"
            + (f"; {unplaced} without a grid reference are not shown" if unplaced else "")
            + ". The table below lists every school."
        )
        return cls(title, description, points, size, size, unplaced, round(extent / 1000, 1))
