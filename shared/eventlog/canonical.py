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


# Floats orjson writes differently from ``canonical_json``: integral ("12.0", "-0.0") or in
# exponent form ("1e+16", "5e-324"). Strings, key order and integers come out byte for byte
# the same (tests/unit/test_canonical.py checks every code point). A match inside a string
# ("v1.0") only sends the value the slow way. Searched for only after a cheap substring test
# says one may be there: a regular expression tried at every byte costs more than orjson.
_FLOAT_TO_REWRITE = re.compile(rb"[0-9](?:\.0(?![0-9])|e[-+])")
# An integral float's ".0", which canonical JSON drops ("12.0" is 12).
_INTEGRAL = re.compile(rb"(?<=[0-9])\.0(?![0-9])")


def canonical_utf8(value: Any, *, floats: bool = True, finite: bool = False) -> bytes:
    """``canonical_bytes(value)``, ten to twenty times faster for the values events hold.

    orjson writes sorted keys, compact separators and the same string escapes. What it
    writes differently goes to ``canonical_bytes``: NUL (which JSONB cannot hold; orjson
    escapes it), floats it formats otherwise, integers beyond 64 bits and keys that are not
    strings. orjson writes NaN and infinities as null, so the result is read back and
    compared unless the caller knows there are none. Callers who know more say so, from the
    contract's schema: ``floats=False`` when it holds no floats at all, ``finite=True`` when
    every float it holds is finite (bounded on both sides, say).
    """
    try:
        out = orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
    except TypeError:  # orjson.JSONEncodeError: big integers, non-string keys, surrogates
        return canonical_bytes(value)
    if b"\\u0000" in out or (not finite and orjson.loads(out) != value):
        return canonical_bytes(value)
    if floats and (b".0" in out or b"e+" in out or b"e-" in out):
        if b"e+" in out or b"e-" in out or b"-0.0" in out:
            if _FLOAT_TO_REWRITE.search(out) is not None:
                return canonical_bytes(value)
        elif _INTEGRAL.search(out) is not None:
            # Integral floats only (a percentage of 12.0, say): drop their ".0". A match inside
            # a string ("v1.0") would change it, so the result is read back and compared; 12
            # and 12.0 compare equal, a changed string does not.
            rewritten = _INTEGRAL.sub(b"", out)
            return rewritten if orjson.loads(rewritten) == value else canonical_bytes(value)
    return out


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
