"""Canonical bytes: deterministic, and unchanged by a JSONB round trip."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, Field

from shared.eventlog.canonical import (
    NotCanonicalisable,
    canonical_bytes,
    canonical_json,
    canonical_json_read_back,
    canonical_utf8,
    loads_exact,
)
from shared.eventlog.contracts import EventContract, NumberKinds, number_kinds
from shared.eventlog.model import _loads

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(st.characters(exclude_characters="\x00", exclude_categories=["Cs"]))
)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.text(st.characters(exclude_characters="\x00", exclude_categories=["Cs"])),
            children,
            max_size=4,
        )
    ),
    max_leaves=20,
)


@given(json_values)
def test_canonical_text_reads_back_to_itself(value: Any) -> None:
    text = canonical_json(value)
    assert canonical_json(loads_exact(text)) == text


def test_numbers_are_written_as_plain_decimals() -> None:
    assert canonical_json([1e100, 1.0, -0.0, 0.1, 5e-7, Decimal("1.50"), 10**20]) == (
        "[1" + "0" * 100 + ",1,0,0.1,0.0000005,1.5,100000000000000000000]"
    )


def test_keys_are_sorted_and_text_is_utf8() -> None:
    assert canonical_json({"b": "é’", "a": [True, None]}) == '{"a":[true,null],"b":"é’"}'


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), "a\x00b", {1: 2}, object()])
def test_what_jsonb_cannot_hold_is_refused(bad: Any) -> None:
    with pytest.raises(NotCanonicalisable):
        canonical_json(bad)


def test_recorded_data_keeps_integers_beyond_64_bits_exact() -> None:
    from shared.eventlog.model import _loads

    assert _loads('{"big": 123456789012345678901234567890, "small": 7, "x": 1.5}') == {
        "big": 123456789012345678901234567890,
        "small": 7,
        "x": 1.5,
    }


@given(
    st.dictionaries(
        st.text(st.characters(exclude_characters="\x00", exclude_categories=["Cs"])),
        json_values,
        max_size=6,
    )
)
def test_the_fast_way_gives_the_same_bytes_for_what_the_log_reads_back(value: Any) -> None:
    text = canonical_json(value)
    # As every reader of the log parses stored data (RecordedEvent.from_row).
    read_back = _loads(text)
    assert canonical_json_read_back(read_back) == text.encode()


@pytest.mark.parametrize(
    "text",
    [
        '{"a":0.0000001}',
        '{"a":12345678901234567890}',
        '{"a":10000000000000000}',
        '{"a":1.5,"b":[0.0001,-0.00001]}',
        '{"t":"tab\\there \\u001f ctrl, quote \\" é ’ \\\\"}',
    ],
)
def test_the_fast_way_at_the_edges_of_numbers_and_escapes(text: str) -> None:
    assert canonical_json_read_back(_loads(text)) == canonical_json(loads_exact(text)).encode()


# ------------------------------------------------------------------ the fast encoder


def test_every_code_point_is_escaped_as_canonical_json_escapes_it() -> None:
    # orjson's string escapes stand in for json.dumps(ensure_ascii=False)'s: checked on all
    # of Unicode but the surrogates (which neither can encode) and NUL (which JSONB refuses).
    text = "".join(chr(cp) for cp in range(1, 0x110000) if not 0xD800 <= cp <= 0xDFFF)
    assert canonical_utf8(text) == canonical_bytes(text)


@given(json_values | st.floats() | st.integers(min_value=-(10**40), max_value=10**40))
def test_the_fast_encoder_gives_the_canonical_bytes_or_the_same_refusal(value: Any) -> None:
    try:
        expected: bytes | type[NotCanonicalisable] = canonical_bytes(value)
    except NotCanonicalisable:
        expected = NotCanonicalisable
    try:
        got: bytes | type[NotCanonicalisable] = canonical_utf8(value)
    except NotCanonicalisable:
        got = NotCanonicalisable
    assert got == expected


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_finite_floats_need_no_read_back(value: float) -> None:
    doc = {"x": value, "y": [value, -value]}
    assert canonical_utf8(doc, finite=True) == canonical_bytes(doc)


@pytest.mark.parametrize(
    "bad", [float("nan"), [float("inf")], {"a": float("-inf")}, "a\x00b", {1: 2}, "\ud800"]
)
def test_the_fast_encoder_refuses_what_jsonb_cannot_hold(bad: Any) -> None:
    with pytest.raises(NotCanonicalisable):
        canonical_utf8(bad)


def test_floats_written_otherwise_by_orjson_take_the_canonical_form() -> None:
    assert canonical_utf8([12.0, 1e16, 5e-7, -0.0, 0.5, 10**20, "v1.0 e+1"], finite=True) == (
        b'[12,10000000000000000,0.0000005,0,0.5,100000000000000000000,"v1.0 e+1"]'
    )


def test_number_kinds_come_from_the_schema() -> None:
    from shared.contracts import all_contracts

    contracts = all_contracts()
    # Integers, strings and dates only.
    assert contracts.numbers("registry.SchoolJoinedTrust") == NumberKinds(False, False)
    # A percentage bounded on both sides: floats, never NaN or infinite.
    assert contracts.numbers("registry.SchoolRegistered") == NumberKinds(True, False)
    # A field change's old and new values are Any: they may be anything.
    assert contracts.numbers("registry.SchoolDetailsChanged") == NumberKinds(True, True)

    class Open(EventContract):
        type_name = "test.Open"
        ratio: float = Field(ge=0)  # the contract refuses NaN and infinities (its config)

    class Nested(BaseModel):
        ratio: float

    class Holder(EventContract):
        type_name = "test.Holder"
        inner: Nested  # the nested model's own config allows NaN

    assert number_kinds(Open) == NumberKinds(True, False)
    assert number_kinds(Holder) == NumberKinds(True, True)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ({"fsm": 12.0, "n": [0.0, 100.0, 1.05]}, b'{"fsm":12,"n":[0,100,1.05]}'),
        ({"fsm": 12.0, "name": "v1.0"}, b'{"fsm":12,"name":"v1.0"}'),
        ({"x1.0": 2.0}, b'{"x1.0":2}'),
        ([-0.0, 3.0], b"[0,3]"),
    ],
)
def test_integral_floats_lose_their_point_and_nothing_else_does(value: Any, text: bytes) -> None:
    assert canonical_utf8(value, finite=True) == text == canonical_bytes(value)


@given(
    st.lists(
        st.floats(allow_nan=False, allow_infinity=False).map(float.__floor__).map(float)
        | st.text(st.sampled_from("0123456789.-e ")),
        max_size=8,
    )
)
def test_integral_floats_beside_numeric_looking_text(value: list[Any]) -> None:
    assert canonical_utf8(value, finite=True) == canonical_bytes(value)


def test_event_ids_in_bulk_are_version_4_and_never_repeat() -> None:
    from itertools import islice

    from shared.eventlog.model import new_event_ids

    ids = list(islice(new_event_ids(batch=7), 100))
    assert len(set(ids)) == 100
    assert all(i.version == 4 and i.variant == "specified in RFC 4122" for i in ids)
