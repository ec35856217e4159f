"""What a store keeps per open ticket to find its near duplicates (made by ``ticketflow.intake``).

It lives with the storage protocol because a :class:`~ticketflow.storage.Change` carries it; the
signatures, band keys and sketches are made by :class:`ticketflow.intake.SimilaritySpec`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Final

import attrs

from .._value_methods import value_repr
from .._values import check_text
from ..exceptions import InvalidValueError

__all__ = [
    "EMPTY",
    "SKETCH_SIZE",
    "Signature",
    "SimilarityKeys",
    "check_band_keys",
    "check_signature",
    "check_sketch",
]

Signature = tuple[int, ...]

EMPTY: Final = (1 << 64) - 1  # an empty bin; real values are below 2**64 // num_perm
SKETCH_SIZE: Final = 1024  # shingle hashes kept per ticket for verification


def check_signature(field: str, value: object, length: int | None = None) -> Signature:
    if not isinstance(value, Sequence) or isinstance(value, str | bytes):
        raise InvalidValueError(field, value, "a signature is a sequence of integers")
    if not value or (length is not None and len(value) != length):
        want = f"{length} integers" if length is not None else "at least one integer"
        raise InvalidValueError(field, f"{len(value)} values", f"a signature has {want}")
    for item in value:
        if type(item) is not int or not 0 <= item <= EMPTY:
            raise InvalidValueError(field, item, "signature values are integers 0 to 2**64-1")
    return tuple(value)


def check_sketch(field: str, value: object) -> tuple[int, ...]:
    if isinstance(value, str | bytes) or not isinstance(value, Sequence):
        raise InvalidValueError(field, value, "a sketch is a sequence of integers")
    if len(value) > SKETCH_SIZE:
        raise InvalidValueError(field, f"{len(value)} values", f"at most {SKETCH_SIZE} values")
    previous = -1
    for item in value:
        if type(item) is not int or not previous < item <= EMPTY:
            raise InvalidValueError(field, item, "a sketch holds ascending 64-bit integers")
        previous = item
    return tuple(value)


def check_band_keys(value: object) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise InvalidValueError("band_keys", value, "must be a collection of band keys")
    keys = tuple(value)
    for key in keys:
        if not isinstance(key, str):
            raise InvalidValueError("band_keys", key, "band keys are strings")
    return keys


def _signature(value: Sequence[int]) -> Signature:
    return check_signature("signature", value)


def _stored_band_keys(value: Iterable[str]) -> tuple[str, ...]:
    keys = check_band_keys(value)
    for key in keys:
        check_text("band_keys", key, empty=False, single_line=True, max_length=64)
    return keys


def _stored_sketch(value: Sequence[int]) -> tuple[int, ...]:
    return check_sketch("sketch", value)


def _fingerprint_text(value: str) -> str:
    return check_text("fingerprint", value, empty=False, single_line=True, max_length=64)


@attrs.frozen
class SimilarityKeys:
    """What a store keeps per open ticket to find its near duplicates.

    Written in the ticket's own commit (and removed when it closes), so every worker sees the
    same index after any restart.

    Attributes:
        signature: The MinHash signature the band keys are made from.
        band_keys: Short strings to index: a ticket is a candidate for another when they share
            one. Empty for a text without words (it matches nothing).
        sketch: The least 1,024 shingle hashes, ascending (all of them for any ticket under
            about a thousand words), for verifying candidates: exact Jaccard when both texts
            fit, Broder's bottom-k estimate (standard error under 0.016) otherwise.
        fingerprint: The spec that produced them (:attr:`SimilaritySpec.fingerprint`); keys of
            different specs never compare, so a store can tell which rows to rebuild.

    .. versionadded:: 0.1
    """

    __repr__ = value_repr

    signature: Signature = attrs.field(converter=_signature)
    band_keys: tuple[str, ...] = attrs.field(converter=_stored_band_keys)
    sketch: tuple[int, ...] = attrs.field(converter=_stored_sketch)
    fingerprint: str = attrs.field(converter=_fingerprint_text)
