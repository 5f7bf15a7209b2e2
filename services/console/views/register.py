"""The open register: what commissioning publishes (decisions, notices, completed transfers),
as tables with links to the same lists as CSV and JSON."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlencode

from commissioning_client.models import DecisionRegister, NoticeRegister, TransferRegister

from services.console.views.boards import region_choices, region_name
from services.console.views.common import Choice, Pagination, given, label, long_date

KINDS = ("decisions", "notices", "transfers")
FORMATS = {"csv": "text/csv; charset=utf-8", "json": "application/json"}


@dataclass(frozen=True)
class Link:
    """A link: its text and where it goes."""

    text: str
    href: str


@dataclass(frozen=True)
class RegisterTable:
    """One list of the register: its columns, rows and downloads."""

    kind: str
    heading: str
    columns: list[str]
    rows: list[list[Link]]
    downloads: list[Link]
    # The JSON register is paged (oldest first); the CSV is all of it.
    pagination: Pagination = field(default_factory=lambda: Pagination(None, None))

    @property
    def more(self) -> bool:
        """Whether the list goes on past this page."""
        return self.pagination.next_href is not None

    @property
    def csv_href(self) -> str:
        """The whole list as CSV."""
        return next(d.href for d in self.downloads if d.href.split("?")[0].endswith(".csv"))

    @property
    def count(self) -> str:
        """How many rows, saying when they are only a page of the list."""
        if self.more or self.pagination.first_href:
            return f"{len(self.rows)} shown"
        return str(len(self.rows))


def _schools(names: Sequence[str], urns: Sequence[int]) -> Link:
    text = "; ".join(f"{n} ({u})" for n, u in zip(names, urns, strict=False)) or "; ".join(
        map(str, urns)
    )
    return Link(text, f"/schools/{urns[0]}" if len(urns) == 1 else "")


def _trust(uid: int | None, name: str | None) -> Link:
    if uid is None:
        return Link("", "")
    return Link(name or f"Trust {uid}", f"/trusts/{uid}")


def _text(value: object) -> Link:
    return Link("" if value is None else str(value), "")


def download_href(kind: str, fmt: str, region: str) -> str:
    """The console's download of one list, in one format, for the region ("" for all)."""
    query = urlencode({"region": region}) if region else ""
    return f"/register/{kind}.{fmt}" + (f"?{query}" if query else "")


@dataclass(frozen=True)
class RegisterView:
    """The three lists of the published register."""

    region: str
    regions: list[Choice]
    tables: list[RegisterTable]

    @classmethod
    def build(
        cls,
        decisions: DecisionRegister,
        notices: NoticeRegister,
        transfers: TransferRegister,
        *,
        region: str,
        cursors: Mapping[str, str] | None = None,
    ) -> RegisterView:
        """From commissioning's ``GET /register/decisions``, ``/notices`` and ``/transfers``
        (each a page, read at ``cursors[kind]`` when given)."""
        query = {"region": region} | {f"{k}_cursor": v for k, v in (cursors or {}).items()}

        def paged(kind: str, next_cursor: str | None) -> Pagination:
            return Pagination.build(
                "/register", query, next_cursor, param=f"{kind}_cursor", fragment=kind
            )

        def downloads(kind: str) -> list[Link]:
            return [
                Link(f"Download the {kind} as {fmt.upper()}", download_href(kind, fmt, region))
                for fmt in FORMATS
            ]

        where = region_name
        tables = [
            RegisterTable(
                "decisions",
                "Decisions",
                [
                    "Decided",
                    "Schools",
                    "Region",
                    "Trigger",
                    "Outcome",
                    "Reasons",
                    "Trust",
                    "Significant date",
                    "Decision maker",
                    "Superseded by",
                ],
                [
                    [
                        _text(long_date(d.decision_date)),
                        _schools(d.school_names, d.urns),
                        _text(where(d.region_code) if d.region_code else ""),
                        _text(label(d.case_trigger)),
                        _text(label(d.outcome)),
                        _text("; ".join(label(c) for c in d.reason_codes)),
                        _trust(d.trust_uid, d.trust_name),
                        _text(long_date(d.significant_date)),
                        _text(d.decision_maker_name or label(d.decision_maker_grade)),
                        _text(d.superseded_by),
                    ]
                    for d in decisions.items
                ],
                downloads("decisions"),
                paged("decisions", given(decisions.next_cursor)),
            ),
            RegisterTable(
                "notices",
                "Notices",
                ["Issued", "Notice", "Trust", "School", "Status", "Response due", "Conditions"],
                [
                    [
                        _text(long_date(n.issued_on)),
                        _text(label(n.notice_kind)),
                        _trust(n.trust_uid, n.trust_name),
                        Link(n.school_name or str(n.urn), f"/schools/{n.urn}")
                        if n.urn
                        else _text(""),
                        _text(label(n.status)),
                        _text(long_date(n.response_due_on)),
                        _text("; ".join(n.conditions)),
                    ]
                    for n in notices.items
                ],
                downloads("notices"),
                paged("notices", given(notices.next_cursor)),
            ),
            RegisterTable(
                "transfers",
                "Completed transfers",
                ["Transferred", "Project", "Schools", "Trust", "Decided", "Significant date"],
                [
                    [
                        _text(long_date(t.actual_date)),
                        _text(label(t.project_type)),
                        _schools(t.school_names, t.urns),
                        _trust(t.trust_uid, t.trust_name),
                        _text(long_date(t.decision_date)),
                        _text(long_date(t.significant_date)),
                    ]
                    for t in transfers.items
                ],
                downloads("transfers"),
                paged("transfers", given(transfers.next_cursor)),
            ),
        ]
        choices = region_choices(region)
        return cls(
            region=region,
            regions=[Choice("", "All of England", region == ""), *choices[1:]],
            tables=tables,
        )
