"""Near-duplicate detection: shingles, MinHash signatures and banded LSH, standard library only.

The design, in the order the data flows:

1. **Shingles.** Subject and body are each NFKC-normalised and case-folded; a word is a run of
   letters and digits (punctuation, underscores and whitespace of any kind separate words, so
   ``"Printer-3 DOWN!!"`` and ``"printer 3 down"`` read alike; digits stay, since an order
   number tells two tickets apart). Each part yields its word ``size``-grams (a part shorter
   than ``size`` words is one shingle); no shingle spans the seam between subject and body.
   Callers pass what the sender wrote (``reply_text``), not quoted history.
2. **Signature.** Each shingle is hashed once with keyed BLAKE2b (64 bits, key = the seed), so
   the signature is the same in every process and on every Python version; Python's salted
   ``hash()`` is never used. :class:`MinHasher` is *one-permutation* MinHash with optimal
   densification (Shrivastava, ICML 2017): a shingle's hash picks one of ``num_perm`` bins and
   the bin keeps its least value; an empty bin borrows the value of the first non-empty bin on
   its own fixed pseudo-random probe order. Two signatures agree at a position with probability
   equal to the Jaccard similarity of the shingle sets, as with ``num_perm`` independent
   permutations, but for one hash per shingle instead of ``num_perm``: the difference between a
   query in 50 microseconds and one in a millisecond.
3. **Bands.** :class:`SimilaritySpec` splits the first ``bands * rows`` values into ``bands``
   bands of ``rows``; each band becomes a short key (``"<band>:<16 hex digits>"``). Two
   tickets become candidates when they share a key, with probability ``1 - (1 - s**rows) **
   bands`` at similarity ``s``. ``bands`` and ``rows`` are chosen by minimising the weighted
   area of false positives below the threshold and false negatives above it, with false
   negatives weighted 0.95: a candidate is verified afterwards, so a false positive costs a
   comparison while a false negative is a duplicate missed for good.
4. **Verification.** A candidate is kept when the Jaccard similarity of the two texts reaches
   the threshold, and matches are sorted by it. It is computed from each ticket's *sketch*, its
   least 1,024 shingle hashes: exact for any ticket under about a thousand words, Broder's
   bottom-k estimate beyond. (Verifying by the signatures' agreement instead would misjudge
   pairs near the threshold: its standard error is 0.035 at 0.8 with 128 values, and on the
   test corpus that cost a tenth of precision and recall.)

A store holds, per open ticket, the :class:`SimilarityKeys` (band keys and sketch) written in
the ticket's own commit, and answers :class:`NearDuplicateSource.candidates`;
:func:`find_near_duplicates` does the rest. :class:`NearDuplicateIndex` is the in-memory one.
"""

from __future__ import annotations

import functools
import hashlib
import math
import operator
import re
import struct
import threading
import unicodedata
from array import array
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from typing import Any, Final, Protocol

import attrs

from .._values import MAX_TEXT_LENGTH, check_int, check_text
from ..exceptions import InvalidValueError
from ..storage._band_keys import (
    EMPTY,
    SKETCH_SIZE,
    Signature,
    SimilarityKeys,
    check_band_keys,
    check_signature,
    check_sketch,
)

__all__ = [
    "MinHasher",
    "NearDuplicate",
    "NearDuplicateIndex",
    "NearDuplicateSource",
    "SimilarityKeys",
    "SimilaritySpec",
    "estimated_jaccard",
    "find_near_duplicates",
    "shingles",
]

_WORD: Final = re.compile(r"[^\W_]+")
_MIN_PERM: Final = 16
_MAX_PERM: Final = 512  # the probe table is num_perm**2 entries, built once per (num_perm, seed)
_MAX_SHINGLE: Final = 16
_FALSE_NEGATIVE_WEIGHT: Final = 0.95
_STEPS: Final = 64  # midpoint-rule steps per integral when choosing bands and rows
_VERSION: Final = b"ticketflow-similarity-1"


def _words(text: str) -> list[str]:
    return _WORD.findall(unicodedata.normalize("NFKC", text).casefold())


def _grams(words: list[str], size: int) -> Iterable[str]:
    if len(words) <= size:
        return (" ".join(words),) if words else ()
    return (" ".join(words[i : i + size]) for i in range(len(words) - size + 1))


def _shingles(subject: str, body: str, size: int) -> frozenset[str]:
    return frozenset(_grams(_words(subject), size)) | frozenset(_grams(_words(body), size))


def shingles(subject: str, body: str = "", *, size: int = 3) -> frozenset[str]:
    """Return the word shingles of a ticket's subject and body (see the module docstring).

    Args:
        subject: The subject line.
        body: The body text (what the sender wrote, without quoted history).
        size: Words per shingle, 1 to 16.

    Returns:
        The shingles, each its words joined by one space; empty when there are no words.

    Raises:
        InvalidValueError: A text is not a string, is over 1 MiB or holds lone surrogates, or
            ``size`` is out of range; ``field`` names which.

    .. versionadded:: 0.1
    """
    check_text("subject", subject, max_length=MAX_TEXT_LENGTH)
    check_text("body", body, max_length=MAX_TEXT_LENGTH)
    check_int("size", size, minimum=1, maximum=_MAX_SHINGLE)
    return _shingles(subject, body, size)


@functools.lru_cache(maxsize=8)
def _probes(num_perm: int, seed: int) -> tuple[tuple[int, ...], ...]:
    # Bin i's densification order: every other bin, in an order fixed by (seed, i, j) alone.
    key = seed.to_bytes(8, "big")

    def rank(i: int, j: int) -> bytes:
        data = struct.pack(">II", i, j)
        return hashlib.blake2b(data, digest_size=8, key=key, person=b"tf-probe").digest()

    return tuple(
        tuple(sorted((j for j in range(num_perm) if j != i), key=functools.partial(rank, i)))
        for i in range(num_perm)
    )


def _check_perm(field: str, value: object) -> int:
    return check_int(field, value, minimum=_MIN_PERM, maximum=_MAX_PERM)


def _check_seed(field: str, value: object) -> int:
    return check_int(field, value, minimum=0, maximum=EMPTY)


def _perm(_: object, __: object, value: object) -> None:
    _check_perm("num_perm", value)


def _seed(_: object, __: object, value: object) -> None:
    _check_seed("seed", value)


@attrs.frozen
class MinHasher:
    """Turns a set of shingles into a MinHash signature of ``num_perm`` integers.

    One-permutation MinHash with optimal densification (see the module docstring): the share of
    positions where two signatures agree estimates the Jaccard similarity of the two sets. The
    signature depends only on the shingles, ``num_perm`` and ``seed``: it is the same in every
    process, after a restart and on every Python version, so it can be stored.

    Attributes:
        num_perm: Signature length, 16 to 512. The estimate's standard error is about
            ``sqrt(s * (1 - s) / num_perm)`` at similarity ``s`` (0.035 at 0.8 with 128).
        seed: Keys the shingle hash, 0 to ``2**64 - 1``; signatures with different seeds do
            not compare.

    .. versionadded:: 0.1
    """

    num_perm: int = attrs.field(default=128, validator=_perm)
    seed: int = attrs.field(default=0, validator=_seed)

    def signature(self, shingles: Iterable[str]) -> Signature:
        """Return the signature of ``shingles``; all ``2**64 - 1`` when there are none.

        Raises:
            InvalidValueError: ``shingles`` is a string or holds something that is not one
                (field ``shingles``).
        """
        given: object = shingles
        if isinstance(given, str | bytes) or not isinstance(given, Iterable):
            raise InvalidValueError("shingles", given, "must be an iterable of strings")
        items = list(given)
        for shingle in items:
            if not isinstance(shingle, str):
                raise InvalidValueError("shingles", shingle, "every shingle must be a string")
        return _minhash(_hashes(items, self.seed), self.num_perm, self.seed)


def _minhash(hashes: Iterable[int], k: int, seed: int) -> Signature:
    bins = [EMPTY] * k
    for h in hashes:
        # The low part of the hash picks the bin, the high part is the value.
        value, bin_ = divmod(h, k)
        if value < bins[bin_]:  # noqa: PLR1730 - min() is a third slower in this loop
            bins[bin_] = value
    if EMPTY in bins and len(set(bins)) > 1:
        probes = _probes(k, seed)
        filled = list(bins)
        for i, value in enumerate(bins):
            if value == EMPTY:
                for j in probes[i]:
                    borrowed = bins[j]
                    if borrowed != EMPTY:
                        filled[i] = borrowed
                        break
        bins = filled
    return tuple(bins)


def _hashes(shingles: Iterable[str], seed: int) -> set[int]:
    hasher = hashlib.blake2b(digest_size=8, key=seed.to_bytes(8, "big"), person=b"tf-shingle")
    hashes = set()
    for shingle in shingles:
        h = hasher.copy()
        h.update(shingle.encode("utf-8", "surrogatepass"))
        hashes.add(int.from_bytes(h.digest(), "big"))
    return hashes


def _sketch(hashes: set[int]) -> tuple[int, ...]:
    # Bottom-k: the whole set when it is small enough, so verification is exact for tickets.
    ordered = sorted(hashes)
    return tuple(ordered[:SKETCH_SIZE])


def _sketch_jaccard(a: Sequence[int], b: Sequence[int]) -> float:
    # Broder's bottom-k estimate; exact when both sketches hold their whole sets.
    if not a or not b:
        return 0.0
    in_a, in_b = set(a), set(b)
    union = sorted(in_a | in_b)[:SKETCH_SIZE]
    both = sum(1 for x in union if x in in_a and x in in_b)
    return both / len(union)


def _agreement(a: Sequence[int], b: Sequence[int]) -> float:
    # Both valid signatures of one spec: equal length, and empty (all EMPTY) or none EMPTY.
    if not a or a[0] == EMPTY or b[0] == EMPTY:
        return 0.0
    agreeing: int = sum(map(operator.eq, a, b))
    return agreeing / len(a)


def estimated_jaccard(sig_a: Sequence[int], sig_b: Sequence[int]) -> float:
    """Return the share of positions where two signatures agree: their estimated Jaccard.

    A signature of a text without words matches nothing (0.0, even against itself).

    Raises:
        InvalidValueError: Either is not a signature, or their lengths differ (field
            ``sig_a`` or ``sig_b``).

    .. versionadded:: 0.1
    """
    a = check_signature("sig_a", sig_a)
    b = check_signature("sig_b", sig_b, len(a))
    return _agreement(a, b)


def _integral(function: _Curve, start: float, stop: float) -> float:
    width = (stop - start) / _STEPS
    return width * sum(function(start + (i + 0.5) * width) for i in range(_STEPS))


class _Curve(Protocol):
    def __call__(self, s: float, /) -> float: ...


@functools.lru_cache(maxsize=64)
def optimal_bands(threshold: float, num_perm: int) -> tuple[int, int]:
    """Return ``(bands, rows)`` with ``bands * rows <= num_perm`` for the S-curve at threshold.

    Minimises ``0.05 * false positive area + 0.95 * false negative area`` of the candidate
    probability ``1 - (1 - s**rows) ** bands`` around ``threshold``.
    """
    best = (math.inf, 1, num_perm)
    for bands in range(1, num_perm + 1):
        for rows in range(1, num_perm // bands + 1):

            def missed(s: float, b: int = bands, r: int = rows) -> float:
                return (1.0 - s**r) ** b

            def caught(s: float, b: int = bands, r: int = rows) -> float:
                return 1.0 - (1.0 - s**r) ** b

            cost = (1 - _FALSE_NEGATIVE_WEIGHT) * _integral(
                caught, 0.0, threshold
            ) + _FALSE_NEGATIVE_WEIGHT * _integral(missed, threshold, 1.0)
            if cost < best[0]:
                best = (cost, bands, rows)
    return best[1], best[2]


def _check_threshold(value: object) -> float:
    if type(value) is not float or not 0.0 < value <= 1.0:
        raise InvalidValueError("threshold", value, "must be a float above 0.0 and at most 1.0")
    return value


def _threshold(_: object, __: object, value: object) -> None:
    _check_threshold(value)


# Defaults are computed before attrs runs the validators, so each checks what it reads first.
def _default_bands(spec: SimilaritySpec) -> int:
    return optimal_bands(_check_threshold(spec.threshold), _check_perm("num_perm", spec.num_perm))[
        0
    ]


def _default_rows(spec: SimilaritySpec) -> int:
    threshold = _check_threshold(spec.threshold)
    num_perm = _check_perm("num_perm", spec.num_perm)
    bands = check_int("bands", spec.bands, minimum=1, maximum=_MAX_PERM)
    optimal, rows = optimal_bands(threshold, num_perm)
    return rows if bands == optimal else max(1, num_perm // bands)


def _positive(field: str) -> Any:  # noqa: ANN401 - an attrs validator
    def check(_: object, __: object, value: object) -> None:
        check_int(field, value, minimum=1, maximum=_MAX_PERM)

    return check


def _shingle_size(_: object, __: object, value: object) -> None:
    check_int("shingle_size", value, minimum=1, maximum=_MAX_SHINGLE)


@attrs.frozen
class SimilaritySpec:
    """How similar is a near duplicate, and how the signatures and band keys are made.

    Args:
        threshold: The least Jaccard similarity of the shingle sets that counts, above 0.0 and
            at most 1.0.
        num_perm: Signature length, 16 to 512.
        bands: Bands of the LSH; computed from ``threshold`` and ``num_perm`` when not given.
        rows: Signature values per band; computed with ``bands``, or ``num_perm // bands`` when
            only ``bands`` is given. ``bands * rows`` must not exceed ``num_perm``.
        shingle_size: Words per shingle, 1 to 16.
        seed: Keys every hash, 0 to ``2**64 - 1``.

    Raises:
        InvalidValueError: A value is out of range or of the wrong type; ``field`` names it.

    .. versionadded:: 0.1
    """

    threshold: float = attrs.field(default=0.8, validator=_threshold)
    num_perm: int = attrs.field(default=128, validator=_perm)
    bands: int = attrs.field(
        default=attrs.Factory(_default_bands, takes_self=True), validator=_positive("bands")
    )
    rows: int = attrs.field(
        default=attrs.Factory(_default_rows, takes_self=True), validator=_positive("rows")
    )
    shingle_size: int = attrs.field(default=3, validator=_shingle_size)
    seed: int = attrs.field(default=0, validator=_seed)

    def __attrs_post_init__(self) -> None:
        if self.bands * self.rows > self.num_perm:
            raise InvalidValueError(
                "rows",
                self.rows,
                f"bands x rows ({self.bands} x {self.rows}) exceeds num_perm ({self.num_perm})",
            )

    @property
    def fingerprint(self) -> str:
        """16 hex digits naming everything that shapes signatures and band keys."""
        return _fingerprint(self.num_perm, self.bands, self.rows, self.shingle_size, self.seed)

    def candidate_probability(self, similarity: float) -> float:
        """Return the chance that two texts of this Jaccard similarity share a band key."""
        if type(similarity) is not float or not 0.0 <= similarity <= 1.0:
            raise InvalidValueError("similarity", similarity, "must be a float from 0.0 to 1.0")
        return 1.0 - (1.0 - similarity**self.rows) ** self.bands

    def band_keys(self, signature: Sequence[int]) -> tuple[str, ...]:
        """Return the band keys of ``signature``: ``"<band>:<16 hex digits>"`` each.

        Raises:
            InvalidValueError: ``signature`` is not one of this spec's (field ``signature``).
        """
        return self._band_keys(check_signature("signature", signature, self.num_perm))

    def _band_keys(self, signature: Signature) -> tuple[str, ...]:
        if signature[0] == EMPTY:
            return ()
        rows = self.rows
        base, pack = _band_hasher(self.fingerprint, rows)
        keys = []
        for band in range(self.bands):
            digest = base.copy()
            digest.update(pack(*signature[band * rows : (band + 1) * rows]))
            keys.append(f"{band}:{digest.hexdigest()}")
        return tuple(keys)

    def keys(self, subject: str, body: str = "") -> SimilarityKeys:
        """Return the signature and band keys of a ticket's text.

        Raises:
            InvalidValueError: A text is not a string, is over 1 MiB or holds lone surrogates.
        """
        check_text("subject", subject, max_length=MAX_TEXT_LENGTH)
        check_text("body", body, max_length=MAX_TEXT_LENGTH)
        hashes = _hashes(_shingles(subject, body, self.shingle_size), self.seed)
        signature = _minhash(hashes, self.num_perm, self.seed)
        return SimilarityKeys(
            signature, self._band_keys(signature), _sketch(hashes), self.fingerprint
        )


@functools.lru_cache(maxsize=64)
def _band_hasher(fingerprint: str, rows: int) -> tuple[Any, Callable[..., bytes]]:
    # Keyed by the spec, so band keys of different specs never meet. Copied, never updated.
    key = bytes.fromhex(fingerprint)
    base = hashlib.blake2b(digest_size=8, key=key, person=b"tf-band")
    return base, struct.Struct(f">{rows}Q").pack


@functools.lru_cache(maxsize=64)
def _fingerprint(num_perm: int, bands: int, rows: int, size: int, seed: int) -> str:
    data = _VERSION + struct.pack(">IIIIQ", num_perm, bands, rows, size, seed)
    return hashlib.blake2b(data, digest_size=8, person=b"tf-spec").hexdigest()


def _ticket_id(value: str) -> str:
    return _check_id("ticket_id", value)


def _similarity(value: float) -> float:
    given: object = value
    if type(given) is not float or not 0.0 <= given <= 1.0:
        raise InvalidValueError("similarity", given, "must be a float from 0.0 to 1.0")
    return given


@attrs.frozen
class NearDuplicate:
    """An open ticket whose text is close to the one asked about.

    Attributes:
        ticket_id: The ticket.
        similarity: The Jaccard similarity of the two texts' shingles, 0.0 to 1.0: exact for
            tickets under about a thousand words, from their sketches beyond.

    .. versionadded:: 0.1
    """

    ticket_id: str = attrs.field(converter=_ticket_id)
    similarity: float = attrs.field(converter=_similarity)


class NearDuplicateSource(Protocol):
    """What a store provides to find near duplicates: the tickets behind band keys.

    A store keeps each open ticket's :class:`SimilarityKeys` (written in the ticket's commit,
    dropped when it closes) and answers which tickets hold any of some band keys.

    .. versionadded:: 0.1
    """

    def candidates(self, band_keys: Collection[str]) -> Mapping[str, Sequence[int]]:
        """Return ticket id -> sketch of every indexed ticket holding any of ``band_keys``."""
        ...


def _ranked(
    spec: SimilaritySpec,
    sketch: Sequence[int],
    found: Mapping[str, Sequence[int]],
    limit: int | None,
    exclude: Collection[str],
) -> list[NearDuplicate]:
    matches = []
    for ticket_id, other in found.items():
        if ticket_id in exclude:
            continue
        similarity = _sketch_jaccard(sketch, other)
        if similarity >= spec.threshold:
            matches.append(NearDuplicate(ticket_id, similarity))
    matches.sort(key=lambda m: (-m.similarity, m.ticket_id))
    return matches if limit is None else matches[:limit]


def _check_query(limit: object, exclude: object) -> frozenset[str]:
    if limit is not None:
        check_int("limit", limit, minimum=1)
    if isinstance(exclude, str) or not isinstance(exclude, Iterable):
        raise InvalidValueError("exclude", exclude, "must be a collection of ticket ids")
    given = list(exclude)
    for ticket_id in given:
        if not isinstance(ticket_id, str):
            raise InvalidValueError("exclude", ticket_id, "ticket ids are strings")
    return frozenset(given)


def _checked_candidates(found: object) -> dict[str, tuple[int, ...]]:
    # A store's answer is validated like any stored row before it is compared.
    if not isinstance(found, Mapping):
        raise InvalidValueError("candidates", found, "a store must answer a mapping")
    checked = {}
    for ticket_id, sketch in found.items():
        where = f"candidates[{_check_id('candidates', ticket_id)!r}]"
        checked[ticket_id] = check_sketch(where, sketch)
    return checked


def find_near_duplicates(
    source: NearDuplicateSource,
    spec: SimilaritySpec,
    keys: SimilarityKeys,
    *,
    limit: int | None = None,
    exclude: Collection[str] = (),
) -> list[NearDuplicate]:
    """Return the tickets in ``source`` at least ``spec.threshold`` similar, most similar first.

    Candidates share a band key with ``keys``; each is kept when the Jaccard similarity of the
    sketches (exact for tickets under about a thousand words) reaches the threshold. Ties are
    ordered by ticket id.

    Args:
        source: The store (or :class:`NearDuplicateIndex`) holding open tickets' keys.
        spec: The spec ``keys`` were made with.
        keys: The new text's keys (:meth:`SimilaritySpec.keys`).
        limit: At most this many, the most similar; all when ``None``.
        exclude: Ticket ids to leave out (the ticket itself, when re-checking one).

    Raises:
        InvalidValueError: ``source`` has no ``candidates`` or ``spec`` is no spec (the
            field names which), ``keys`` were made with another spec (field ``keys``), ``limit`` or
            ``exclude`` is invalid, or ``source`` answered something other than ticket ids
            with sketches (field ``candidates...``).

    .. versionadded:: 0.1
    """
    if not isinstance(spec, SimilaritySpec):
        raise InvalidValueError("spec", spec, "must be a SimilaritySpec")
    if not callable(getattr(source, "candidates", None)):
        raise InvalidValueError("source", source, "must have candidates(band_keys)")
    given: object = keys
    if not isinstance(given, SimilarityKeys) or given.fingerprint != spec.fingerprint:
        raise InvalidValueError("keys", given, "must be SimilarityKeys made with this spec")
    skip = _check_query(limit, exclude)
    if not keys.band_keys:
        return []
    found = _checked_candidates(source.candidates(keys.band_keys))
    return _ranked(spec, keys.sketch, found, limit, skip)


def _check_id(field: str, value: object) -> str:
    return check_text(field, value, empty=False, single_line=True, max_length=256)


class NearDuplicateIndex:
    """An in-memory near-duplicate index of open tickets; safe to share between threads.

    It is a :class:`NearDuplicateSource`; a store that keeps :class:`SimilarityKeys` in the
    ticket's commit is the one to share between processes.

    .. versionadded:: 0.1
    """

    def __init__(self, spec: SimilaritySpec | None = None) -> None:
        """Create an empty index for ``spec`` (the default :class:`SimilaritySpec` if ``None``)."""
        given: object = SimilaritySpec() if spec is None else spec
        if not isinstance(given, SimilaritySpec):
            raise InvalidValueError("spec", given, "must be a SimilaritySpec")
        self._spec = given
        self._lock = threading.Lock()
        self._sketches: dict[str, array[int]] = {}
        self._keys: dict[str, tuple[str, ...]] = {}
        # A band key's bucket: one ticket id (the common case, and cheap) or a set of them.
        self._buckets: dict[str, str | set[str]] = {}

    @property
    def spec(self) -> SimilaritySpec:
        """The spec every signature and band key here is made with."""
        return self._spec

    def __len__(self) -> int:
        """Return how many tickets are indexed."""
        return len(self._sketches)

    def __contains__(self, ticket_id: object) -> bool:
        """Return whether ``ticket_id`` is indexed."""
        return isinstance(ticket_id, str) and ticket_id in self._sketches

    def add(self, ticket_id: str, subject: str, body: str = "") -> SimilarityKeys:
        """Index a ticket's text (replacing what it had) and return its keys.

        Raises:
            InvalidValueError: ``ticket_id`` is not a non-empty single line, or a text is
                invalid (see :meth:`SimilaritySpec.keys`).
        """
        _check_id("ticket_id", ticket_id)
        keys = self._spec.keys(subject, body)
        self._put(ticket_id, keys)
        return keys

    def add_keys(self, ticket_id: str, keys: SimilarityKeys) -> None:
        """Index a ticket by keys made earlier (read back from a store after a restart).

        Raises:
            InvalidValueError: ``ticket_id`` is invalid, or ``keys`` were made with another
                spec or do not fit its signature (field ``keys``).
        """
        _check_id("ticket_id", ticket_id)
        given: object = keys
        if not isinstance(given, SimilarityKeys) or given.fingerprint != self._spec.fingerprint:
            raise InvalidValueError("keys", given, "must be SimilarityKeys made with this spec")
        signature = check_signature("keys.signature", keys.signature, self._spec.num_perm)
        if self._spec.band_keys(signature) != keys.band_keys:
            raise InvalidValueError("keys.band_keys", keys.band_keys, "do not fit the signature")
        check_sketch("keys.sketch", keys.sketch)
        self._put(ticket_id, keys)

    def _put(self, ticket_id: str, keys: SimilarityKeys) -> None:
        sketch = array("Q", keys.sketch)
        with self._lock:
            self._drop(ticket_id)
            self._sketches[ticket_id] = sketch
            self._keys[ticket_id] = keys.band_keys
            buckets = self._buckets
            for key in keys.band_keys:
                held = buckets.get(key)
                if held is None:
                    buckets[key] = ticket_id
                elif isinstance(held, str):
                    buckets[key] = {held, ticket_id}
                else:
                    held.add(ticket_id)

    def remove(self, ticket_id: str) -> bool:
        """Take a ticket out (it closed); return whether it was indexed.

        Raises:
            InvalidValueError: ``ticket_id`` is not a ticket id.
        """
        ticket_id = _check_id("ticket_id", ticket_id)
        with self._lock:
            return self._drop(ticket_id)

    def _drop(self, ticket_id: str) -> bool:
        if self._sketches.pop(ticket_id, None) is None:
            return False
        buckets = self._buckets
        for key in self._keys.pop(ticket_id):
            held = buckets[key]
            if isinstance(held, str):
                del buckets[key]
            else:
                held.discard(ticket_id)
                if len(held) == 1:
                    buckets[key] = next(iter(held))
        return True

    def candidates(self, band_keys: Collection[str]) -> dict[str, Sequence[int]]:
        """Return ticket id -> sketch of every ticket holding any of ``band_keys``."""
        wanted = check_band_keys(band_keys)
        found: dict[str, Sequence[int]] = {}
        with self._lock:
            for key in wanted:
                held = self._buckets.get(key)
                if held is None:
                    continue
                for ticket_id in (held,) if isinstance(held, str) else held:
                    if ticket_id not in found:
                        found[ticket_id] = self._sketches[ticket_id]
        return found

    def query(
        self,
        subject: str,
        body: str = "",
        *,
        limit: int | None = None,
        exclude: Collection[str] = (),
    ) -> list[NearDuplicate]:
        """Return the indexed tickets near this text, most similar first.

        See :func:`find_near_duplicates` for ``limit`` and ``exclude``.

        Raises:
            InvalidValueError: A text, ``limit`` or ``exclude`` is invalid.
        """
        skip = _check_query(limit, exclude)
        keys = self._spec.keys(subject, body)
        if not keys.band_keys:
            return []
        return _ranked(self._spec, keys.sketch, self.candidates(keys.band_keys), limit, skip)
