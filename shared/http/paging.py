"""Opaque page cursors: the keys of the last row of a page, for the next page to start after."""

from __future__ import annotations

import base64
import binascii

from shared.errors import UnprocessableContent

_MAX_KEY = 2**63 - 1  # a PostgreSQL bigint: a larger key could only fail in the database


def encode_cursor(*keys: int) -> str:
    """A cursor for the rows after the one with these keys."""
    text = ".".join(str(k) for k in keys)
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_cursor(
    cursor: str | None, *, parts: int = 1, name: str = "cursor"
) -> tuple[int, ...] | None:
    """The keys in a cursor this API gave out; None for the first page; 422 for any other."""
    if cursor is None:
        return None
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
        pieces = text.split(".")
        if len(pieces) != parts or not all(p.isdigit() for p in pieces):
            raise ValueError(text)
        keys = tuple(int(p) for p in pieces)
        if max(keys) > _MAX_KEY:
            raise ValueError(text)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise UnprocessableContent(
            f"The {name} is not one this API gave out.", extra={name: cursor}
        ) from None
    return keys


def decode_key(cursor: str | None, *, name: str = "cursor") -> int | None:
    """The one key in a single-key cursor; None for the first page."""
    keys = decode_cursor(cursor, name=name)
    return None if keys is None else keys[0]
