"""The one JSON writer (orjson, falling back to the standard library) writes what
``json.dumps(indent=2)`` wrote, then escapes what a terminal would obey."""

from __future__ import annotations

import json
import re
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from alpine_ready.formats.text import json_text

_OLD_UNSAFE = re.compile(
    "[\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)


def old(data: Any, ensure_ascii: bool) -> str:
    """json_text before orjson: the standard library's encoder, then the escapes."""
    text = json.dumps(data, indent=2, ensure_ascii=ensure_ascii)
    return _OLD_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text) + "\n"


texts = st.text(alphabet=st.characters(codec=None, min_codepoint=0, max_codepoint=0x10FFFF))
scalars = st.none() | st.booleans() | st.integers(-(2**70), 2**70) | texts
floats = st.floats(allow_nan=False, allow_infinity=False)


def nested(leaves: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.recursive(
        leaves,
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(texts, inner, max_size=4),
        max_leaves=30,
    )


@settings(max_examples=400, deadline=None)
@given(nested(scalars))
def test_json_text_is_the_standard_librarys_text(data: Any) -> None:
    for ensure_ascii in (False, True):
        assert json_text(data, ensure_ascii=ensure_ascii) == old(data, ensure_ascii)


@settings(max_examples=200, deadline=None)
@given(nested(scalars | floats))
def test_floats_keep_their_value(data: Any) -> None:
    """orjson writes exponents shorter (1e-7, not 1e-07): the same numbers, read back."""
    assert json.loads(json_text(data)) == json.loads(old(data, False))


def test_lone_surrogates_and_int_keys_fall_back() -> None:
    data = {"path": "caf\udce9", "n": {1: "x"}}
    assert json_text(data) == old(data, False)
    assert json.loads(json_text(data))["path"] == "caf\udce9"
