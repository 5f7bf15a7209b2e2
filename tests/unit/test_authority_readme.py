"""README.md's roles x scopes x steps table is the one the code uses: the seeded tables."""

from __future__ import annotations

from shared.settings import PROJECT_ROOT
from tests.e2e.security_matrix import markdown_table

START = "<!-- authority table: generated from services/*/policies/authority; checked by tests -->"
END = "<!-- end of authority table -->"


def test_the_readme_shows_the_authority_tables_as_shipped() -> None:
    readme = (PROJECT_ROOT / "README.md").read_text("utf-8")
    assert START in readme and END in readme, "README.md has lost its authority table markers"
    shown = readme.split(START, 1)[1].split(END, 1)[0].strip()
    expected = markdown_table().strip()
    assert shown == expected, "README.md's authority table differs; paste this:\n" + expected
