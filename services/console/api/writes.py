"""How the console's forms write: with the version they were read at, and which refusals
belong on the form itself."""

from __future__ import annotations

# Refusals a person can put right from the form: a value (400, 422), a rule of the process
# (409), or someone else's change meanwhile (412). Anything else (401, 403, 404, 5xx) has a
# page of its own (services/console/errors.py).
FORM_PROBLEMS = frozenset({400, 409, 412, 422})


def if_match(version: int) -> str:
    """The strong ETag of the version a form was read at, as If-Match sends it back."""
    return f'"{version}"'
