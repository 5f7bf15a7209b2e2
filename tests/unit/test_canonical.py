"""Canonical bytes: deterministic, and unchanged by a JSONB round trip."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.eventlog.canonical import (
    NotCanonicalisable,
    canonical_json,
    canonical_json_read_back,
    loads_exact,
)
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
