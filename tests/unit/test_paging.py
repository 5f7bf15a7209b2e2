"""Page cursors: what one page gives out, the next reads back; anything else is refused."""

from __future__ import annotations

import base64

import pytest

from shared.errors import UnprocessableContent
from shared.http.paging import decode_cursor, decode_key, encode_cursor


def test_a_cursor_gives_back_its_keys() -> None:
    assert decode_key(encode_cursor(123456)) == 123456
    assert decode_cursor(encode_cursor(1, 2**40, 7), parts=3) == (1, 2**40, 7)
    assert decode_cursor(None) is None and decode_key(None) is None


def _b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode()


@pytest.mark.parametrize(
    "cursor",
    ["not-ours", _b64("-1"), _b64("1.2"), _b64("x"), _b64(str(2**63)), "%%%", _b64("١٢")],
)
def test_a_cursor_this_api_never_gave_out_is_refused(cursor: str) -> None:
    with pytest.raises(UnprocessableContent) as refused:
        decode_key(cursor, name="not_in_trust_cursor")
    assert refused.value.extra == {"not_in_trust_cursor": cursor}


def test_a_cursor_with_the_wrong_number_of_keys_is_refused() -> None:
    with pytest.raises(UnprocessableContent):
        decode_cursor(encode_cursor(1, 2), parts=3)
