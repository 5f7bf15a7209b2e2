"""Canonical bytes of JSON values, stable across a round trip through PostgreSQL's JSONB.

The hash chains are computed over these bytes, so the rule must give the same bytes for a
value before it is stored and after JSONB has re-rendered it: JSONB drops whitespace,
reorders keys and rewrites numbers (``1e2`` comes back as ``100``, ``1.0`` as ``1.0`` but
``1e100`` as a hundred zeros). So: keys sorted by code point, no whitespace, UTF-8 strings
with only the escapes JSON requires, and every number written as a plain normalised decimal.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import orjson

# json.dumps(ensure_ascii=False) escapes only '"', '\\' and control characters: the minimum.
_encode_str = json.JSONEncoder(ensure_ascii=False).encode


class NotCanonicalisable(ValueError):
    """The value cannot be stored faithfully as JSONB (NaN, infinities, NUL, surrogates)."""


def canonical_json(value: Any) -> str:
    """The canonical JSON text of ``value``; raises NotCanonicalisable for what JSONB cannot hold."""
    parts: list[str] = []
    _write(value, parts)
    return "".join(parts)


def canonical_bytes(value: Any) -> bytes:
    """UTF-8 of ``canonical_json``; raises NotCanonicalisable for unpaired surrogates."""
    try:
        return canonical_json(value).encode("utf-8")
    except UnicodeEncodeError as exc:
        raise NotCanonicalisable(f"text is not valid Unicode: {exc.reason}") from exc


# Where orjson's text can differ from the canonical: a number with a trailing ".0", or with
# an exponent ("1e-7", "1.5e+16"; digits are mapped to 0 to find those with plain searches,
# far faster than a regular expression). Text inside strings can match too, which costs only
# the careful way.
_TRAILING_ZERO = re.compile(rb"\.0[],}]")
# Every ASCII digit as 0: a run of digits is then a run of zeros, found by a plain search.
DIGITS_TO_ZERO = bytes.maketrans(b"123456789", b"000000000")


def canonical_json_read_back(value: Any) -> bytes:
    """``canonical_bytes`` of a value read back from the log, several times faster.

    orjson with sorted keys writes the same bytes for what the log stores (its strings are
    escaped alike, and numbers read back from canonical text are plain or integers) except a
    number it writes with an exponent or a trailing ".0"; those take the careful way.
    """
    try:
        text = orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
    except orjson.JSONEncodeError:  # an integer beyond 64 bits, say
        return canonical_bytes(value)
    if _TRAILING_ZERO.search(text):
        return canonical_bytes(value)
    zeros = text.translate(DIGITS_TO_ZERO)
    if b"0e-" in zeros or b"0e+" in zeros:
        return canonical_bytes(value)
    return text


def loads_exact(text: str) -> Any:
    """Parse JSON keeping every number exact, for re-canonicalising stored events."""
    return json.loads(text, parse_float=Decimal)


def _write(value: Any, out: list[str]) -> None:
    if value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, str):
        if "\x00" in value:
            raise NotCanonicalisable("text contains a NUL character, which JSONB cannot store")
        out.append(_encode_str(value))
    elif isinstance(value, int):
        out.append(str(value))
    elif isinstance(value, float | Decimal):
        out.append(_number(value))
    elif isinstance(value, Mapping):
        out.append("{")
        first = True
        for key in sorted(value):
            if not isinstance(key, str):
                raise NotCanonicalisable(f"object key {key!r} is not a string")
            if not first:
                out.append(",")
            first = False
            _write(key, out)
            out.append(":")
            _write(value[key], out)
        out.append("}")
    elif isinstance(value, list | tuple):
        out.append("[")
        for i, item in enumerate(value):
            if i:
                out.append(",")
            _write(item, out)
        out.append("]")
    else:
        raise NotCanonicalisable(f"{type(value).__name__} is not a JSON value")


def _number(value: float | Decimal) -> str:
    if isinstance(value, float):
        if not math.isfinite(value):
            raise NotCanonicalisable(f"{value} is not a JSON number")
        # repr is the shortest text that reads back as the same float; that text is what
        # JSONB stores exactly as numeric.
        value = Decimal(repr(value))
    elif not value.is_finite():
        raise NotCanonicalisable(f"{value} is not a JSON number")
    if value.is_zero():
        return "0"  # numeric has no negative zero, and 0.0 and 0 must hash alike
    text = format(value.normalize(), "f")
    return text
