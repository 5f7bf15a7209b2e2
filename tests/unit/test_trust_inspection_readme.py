"""README.md's trust-inspection columns table is the shipped ``trust_inspection_format``."""

from __future__ import annotations

import json

from services.registry.policy_book import SEEDS
from services.registry.trust_inspections.format import (
    FORMAT_POLICY,
    TrustInspectionFormat,
)
from shared.settings import PROJECT_ROOT

START = (
    "<!-- trust inspection columns: generated from"
    " services/registry/policies/trust_inspection_format; checked by tests -->"
)
END = "<!-- end of trust inspection columns -->"


def markdown_table() -> str:
    """The columns of the latest shipped version, as README.md shows them."""
    folder = SEEDS.joinpath(FORMAT_POLICY)
    latest = max(
        (f for f in folder.iterdir() if f.name.endswith(".json")),
        key=lambda f: int(f.name.removeprefix("v").removesuffix(".json")),
    )
    version = latest.name.removesuffix(".json")
    doc = TrustInspectionFormat.model_validate(json.loads(latest.read_text("utf-8"))["document"])
    lines = [
        f"| column ({version}) | required | holds |",
        "|---|---|---|",
    ]
    for f in doc.fields:
        kind = (
            f" ({doc.date_format})" if f.field in ("inspection_start", "publication_date") else ""
        )
        lines.append(f"| {f.column} | {'yes' if f.required else 'no'} | {f.description}{kind} |")
    for a in doc.areas:
        words = ", ".join(a.outcomes)
        blank = "" if a.required else f"; blank or {', '.join(doc.not_judged)}: not judged"
        checked = "verified" if a.verified else "unverified"
        lines.append(
            f"| {a.column} | {'yes' if a.required else 'no'} |"
            f" outcome, one of: {words}{blank} (area `{a.area}`, {checked}) |"
        )
    return "\n".join(lines)


def test_the_readme_shows_the_trust_inspection_columns_as_shipped() -> None:
    readme = (PROJECT_ROOT / "README.md").read_text("utf-8")
    assert START in readme and END in readme, "README.md has lost its trust inspection markers"
    shown = readme.split(START, 1)[1].split(END, 1)[0].strip()
    expected = markdown_table().strip()
    assert shown == expected, "README.md's trust inspection table differs; paste this:\n" + expected
