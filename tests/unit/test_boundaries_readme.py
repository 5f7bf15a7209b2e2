"""README.md's table of owners, roles and stream categories is the one the code declares."""

from __future__ import annotations

from shared.ownership import OWNERS, Owner
from shared.settings import PROJECT_ROOT

START = "<!-- boundaries table: generated from shared/ownership.py; checked by tests -->"
END = "<!-- end of boundaries table -->"

# Written by migrations rather than declared on the owner: the sealer extends the seals.
_ALSO_WRITES = {"audit": "`eventlog.event_seals`"}
_WHAT = {
    "audit": "audit worker",
    "publisher": "publisher",
}


def _row(o: Owner) -> str:
    writes = ", ".join(filter(None, (f"schema `{o.schema}`", _ALSO_WRITES.get(o.name))))
    reads = ", ".join(["the log", *(f"`{r}`" for r in o.reads)])
    appends = ", ".join(f"`{c}`" for c in sorted(o.categories)) or "nothing"
    return f"| {_WHAT.get(o.name, o.name)} | `{o.role}` | {writes} | {reads} | {appends} |"


def boundaries_table() -> str:
    """The README's table, from the ownership declarations."""
    head = [
        "| owner | role | writes | reads besides its own schema | appends to |",
        "|---|---|---|---|---|",
    ]
    return "\n".join([*head, *(_row(o) for o in OWNERS.values())])


def test_the_readme_shows_the_boundaries_as_declared() -> None:
    readme = (PROJECT_ROOT / "README.md").read_text("utf-8")
    assert START in readme and END in readme, "README.md has lost its boundaries table markers"
    shown = readme.split(START, 1)[1].split(END, 1)[0].strip()
    expected = boundaries_table()
    assert shown == expected, "README.md's boundaries table differs; paste this:\n" + expected
