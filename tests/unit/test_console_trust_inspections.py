"""The console's trust page shows Ofsted's inspections of the trust in Ofsted's words."""

from __future__ import annotations

from typing import Any

from registry_client.models import TrustView

from services.console.views.common import SummaryRow
from services.console.views.trusts import trust_inspection_cards


def trust(**more: Any) -> TrustView:
    return TrustView.from_dict(
        {
            "uid": 5001,
            "details": {
                "name": "Bright Futures Learning Trust",
                "trust_type": "multi_academy_trust",
                "status": "Open",
            },
            "la_established": False,
            "founding_la_code": None,
            "la_established_on": None,
            "school_count": 3,
            "pupils": 900,
            "las": [],
            "regions": [],
            "version": 4,
            **more,
        }
    )


def inspection(inspection_id: str, start: str, **more: Any) -> dict[str, Any]:
    return {
        "inspection_id": inspection_id,
        "inspection_start": start,
        "publication_date": None,
        "inspection_type": None,
        "outcomes": [
            {
                "area": "leadership_and_governance",
                "heading": "Leadership and governance",
                "outcome": "Needs attention",
            }
        ],
        "report_url": None,
        "source_file": "trust_inspections.csv",
        "format_version": 1,
        **more,
    }


def test_each_inspection_is_a_card_with_its_outcomes_as_published_and_its_source() -> None:
    cards = trust_inspection_cards(
        trust(
            trust_inspections=[
                inspection(
                    "TI-2",
                    "2026-03-02",
                    publication_date="2026-04-20",
                    inspection_type="Trust inspection",
                    report_url="https://reports.example/5001",
                ),
                inspection("TI-1", "2025-01-14"),
            ]
        )
    )
    assert [(c.title, c.source, c.source_href) for c in cards] == [
        (
            "Trust inspection from 2 March 2026, published 20 April 2026",
            "https://reports.example/5001",
            "https://reports.example/5001",
        ),
        ("Trust inspection from 14 January 2025", "imported from trust_inspections.csv", None),
    ]
    assert cards[0].outcomes == [SummaryRow("Leadership and governance", "Needs attention")]


def test_a_registry_that_sends_no_inspections_shows_none() -> None:
    assert trust_inspection_cards(trust()) == []
    assert trust_inspection_cards(trust(trust_inspections=[])) == []
