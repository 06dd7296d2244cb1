"""Ed25519 over canonical JSON: what verifies, what is refused and how precisely."""

from __future__ import annotations

import base64
import math
import stat
from pathlib import Path
from typing import Any

import pytest
import rfc8785
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from skyshare.audit import jcs
from skyshare.audit.signing import (
    BadSignature,
    decode_base64,
    generate_private_key,
    load_private_key,
    parse_public_key,
    private_key_pem,
    public_key_b64,
    read_public_key_file,
    sign_object,
    verify_object,
    write_key_pair,
)
from skyshare.errors import InvalidInput

# RFC 8032 §7.1, TEST 1: the secret key, its public key, and the signature of the empty message.
RFC8032_SECRET = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
RFC8032_PUBLIC = bytes.fromhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")

KEY = Ed25519PrivateKey.from_private_bytes(RFC8032_SECRET)
PUB = public_key_b64(KEY)
MESSAGE: dict[str, Any] = {
    "id": "0b5f6c1e-8a1e-4c4f-9a55-3f0e1c2d3b4a",
    "to": "red",
    "sent_at": "2026-11-24T10:00:00Z",
    "template": "request_climb",
    "params": {"altitude_m": 3048.0},
}


def test_public_key_is_base64_of_the_raw_32_bytes_rfc8032() -> None:
    assert base64.b64decode(PUB) == RFC8032_PUBLIC
    assert public_key_b64(KEY.public_key()) == PUB


def test_signature_is_ed25519_over_jcs_in_base64() -> None:
    signature = sign_object(KEY, MESSAGE)
    raw = base64.b64decode(signature, validate=True)
    assert len(raw) == 64
    KEY.public_key().verify(raw, rfc8785.dumps(MESSAGE))
    verify_object(PUB, MESSAGE, signature)


def test_key_order_and_number_spelling_do_not_change_the_signature() -> None:
    reordered = dict(reversed(list(MESSAGE.items())))
    reordered["params"] = {"altitude_m": 3048}
    verify_object(PUB, reordered, sign_object(KEY, MESSAGE))


def bad(obj: Any, signature: Any, public: Any = PUB) -> BadSignature:
    with pytest.raises(BadSignature) as info:
        verify_object(public, obj, signature)
    assert info.value.code == "bad_signature"
    assert info.value.status == 422
    return info.value


def test_a_changed_message_is_a_bad_signature() -> None:
    error = bad(MESSAGE | {"to": "blue"}, sign_object(KEY, MESSAGE))
    assert "does not verify" in error.message
    assert error.field == "signature"


def test_another_key_is_a_bad_signature() -> None:
    other = generate_private_key()
    bad(MESSAGE, sign_object(other, MESSAGE))
    bad(MESSAGE, sign_object(KEY, MESSAGE), public_key_b64(other))


def test_a_flipped_bit_is_a_bad_signature() -> None:
    raw = bytearray(base64.b64decode(sign_object(KEY, MESSAGE)))
    raw[10] ^= 1
    bad(MESSAGE, base64.b64encode(bytes(raw)).decode())


@pytest.mark.parametrize(
    ("signature", "message"),
    [
        (None, "must be a base64 string"),
        ("A" * 84, "must decode to 64 bytes; it decodes to 63"),
        ("A" * 88, "must decode to 64 bytes; it decodes to 66"),
        ("A" * 86, "length 86 is not a multiple of 4"),
        ("A" * 85 + "-==", "character '-' at position 85"),
        (" " + "A" * 87, "character ' ' at position 0"),
        ("A" * 85 + "B==", "padding bits are not zero"),
        ("A=" + "A" * 86, "not base64"),
    ],
)
def test_a_malformed_signature_is_named(signature: Any, message: str) -> None:
    assert message in bad(MESSAGE, signature).message


@pytest.mark.parametrize(
    ("public", "message"),
    [("AAAA", "decodes to 3"), ("not base64!", "character ' '"), (42, "base64 string")],
)
def test_a_malformed_key_is_a_bad_signature_naming_the_key(public: Any, message: str) -> None:
    error = bad(MESSAGE, sign_object(KEY, MESSAGE), public)
    assert error.field is None
    assert "key" in error.message
    assert message in error.message


def test_parse_public_key_is_invalid_input_with_its_field() -> None:
    assert public_key_b64(parse_public_key(PUB)) == PUB
    with pytest.raises(InvalidInput) as info:
        parse_public_key("AAAA")
    assert info.value.code == "invalid_input"
    assert info.value.field == "public_key"


def test_decode_base64_doctest_form() -> None:
    assert decode_base64("AAEC", what="x", length=3) == b"\x00\x01\x02"


def test_a_non_finite_number_cannot_be_signed() -> None:
    with pytest.raises(InvalidInput, match=r"params.altitude_m is NaN or infinite") as info:
        sign_object(KEY, {"params": {"altitude_m": math.inf}})
    assert info.value.field == "params.altitude_m"


# --- key files -----------------------------------------------------------------------------


def test_key_files_round_trip_with_mode_0600(tmp_path: Path) -> None:
    path = tmp_path / "party.key"
    pub_path = write_key_pair(path, KEY)
    assert pub_path == tmp_path / "party.key.pub"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert public_key_b64(load_private_key(path)) == PUB
    assert read_public_key_file(pub_path) == PUB
    text = path.read_text("ascii")
    assert f"# public key: {PUB}\n-----BEGIN PRIVATE KEY-----" in text


def test_an_existing_key_is_not_overwritten_unless_asked(tmp_path: Path) -> None:
    path = tmp_path / "party.key"
    write_key_pair(path, KEY)
    other = generate_private_key()
    with pytest.raises(InvalidInput, match="the file exists; pass --force"):
        write_key_pair(path, other)
    assert public_key_b64(load_private_key(path)) == PUB
    write_key_pair(path, other, overwrite=True)
    assert public_key_b64(load_private_key(path)) == public_key_b64(other)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["party.key", "party.key.pub"]


def test_a_key_file_whose_comment_names_another_key_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "party.key"
    other = public_key_b64(generate_private_key())
    path.write_bytes(private_key_pem(KEY).replace(PUB.encode(), other.encode()))
    with pytest.raises(InvalidInput, match="comment does not match"):
        load_private_key(path)


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"garbage", "not an unencrypted PEM PKCS #8"), (None, "cannot read the key file")],
)
def test_a_bad_private_key_file_is_named(
    tmp_path: Path, content: bytes | None, message: str
) -> None:
    path = tmp_path / "party.key"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(InvalidInput, match=message) as info:
        load_private_key(path)
    assert info.value.message.startswith(f"{path}: ")


def test_a_non_ed25519_private_key_is_refused(tmp_path: Path) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ec import SECP256R1, generate_private_key

    pem = generate_private_key(SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    path = tmp_path / "ec.key"
    path.write_bytes(pem)
    with pytest.raises(InvalidInput, match="not Ed25519"):
        load_private_key(path)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (f"# comment\n\n{PUB}\n", None),
        ("", "exactly one base64 line; found 0"),
        (f"{PUB}\n{PUB}\n", "found 2"),
        ("# c\nAAAA\n", ":2: The Ed25519 public key must decode to 32 bytes"),
        ("-----BEGIN PRIVATE KEY-----\n", "this is a private key"),
    ],
)
def test_public_key_files(tmp_path: Path, content: str, message: str | None) -> None:
    path = tmp_path / "party.key.pub"
    path.write_text(content, encoding="utf-8")
    if message is None:
        assert read_public_key_file(path) == PUB
        return
    with pytest.raises(InvalidInput, match=message):
        read_public_key_file(path)


# --- canonical JSON: the fast path equals the reference -------------------------------------

JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53) + 1, max_value=2**53 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=24,
)


@settings(max_examples=400, deadline=None)
@given(JSON_VALUES)
def test_fast_canonical_json_equals_rfc8785(value: Any) -> None:
    assert jcs.canonical_json(value) == rfc8785.dumps(value)


@pytest.mark.parametrize(
    "value",
    [
        {"a": 1.0, "b": -0.0, "c": 1e-4, "d": 9.9e-5, "e": 1e16, "f": 123456789012345.6},
        {"\u00e9": 1, "\U0001f600": 2, "\ue000": 3, "z": [1.5, 2.0, {"\x7f": "\x00\x1f\u2028"}]},
        [2**53 - 1, -(2**53 - 1), 1e21, 5e-324, 1.7976931348623157e308],
        {"tuple": (1, 2)},
    ],
)
def test_fast_path_edge_cases_equal_rfc8785(value: Any) -> None:
    assert jcs.canonical_json(value) == rfc8785.dumps(value)


def test_the_fast_path_takes_everyday_records_and_leaves_the_rest() -> None:
    assert jcs._plain({"a": [1, "x", None, True, 3048.0, 35.52]}) == {
        "a": [1, "x", None, True, 3048, 35.52]
    }
    for slow in ({"é": 1}, [1e-5], [2**53], (1,), {1: 2}):
        assert jcs._plain(slow) is jcs._SLOW


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (2**60, "within ±(2^53 − 1)"),
        ({1: "x"}, "no canonical JSON form"),
        ({"s": "\ud800"}, "non-UTF-8"),
        ([math.nan], "[0] is NaN"),
        (math.inf, "the value is NaN or infinite"),
    ],
)
def test_values_without_a_canonical_form_are_bad_input(value: Any, message: str) -> None:
    with pytest.raises(InvalidInput) as info:
        jcs.canonical_json(value)
    assert message in info.value.message
