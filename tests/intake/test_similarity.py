"""Near duplicates: shingles, MinHash signatures, banded LSH and the in-memory index."""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
import sys
import threading
from collections.abc import Collection, Mapping, Sequence
from typing import Any

import pytest
from _similar_corpus import base_ticket, rewrite
from hypothesis import assume, given
from hypothesis import strategies as st

from ticketflow.exceptions import InvalidValueError
from ticketflow.intake import (
    MinHasher,
    NearDuplicate,
    NearDuplicateIndex,
    NearDuplicateSource,
    SimilarityKeys,
    SimilaritySpec,
    estimated_jaccard,
    find_near_duplicates,
    shingles,
)

SUBJECT = "Printer on floor 3 is down"
BODY = (
    "Hello support, the printer on the third floor shows error 42 and will not print anything"
    " since this morning. I tried restarting it twice. Thanks, Alice"
)


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    """Return the exact Jaccard similarity, 0.0 for two empty sets (as the index has it)."""
    union = len(a | b)
    return len(a & b) / union if union else 0.0


# --- shingles ---------------------------------------------------------------------------------


def test_shingles_ignore_case_punctuation_and_whitespace() -> None:
    assert shingles("Printer-3 DOWN!!", "\uff26\uff35\uff2c\uff2c\twidth\n\n_text_") == shingles(
        "printer 3 down", "full width text"
    )
    assert shingles("Printer-3 DOWN", size=2) == {"printer 3", "3 down"}


def test_a_part_shorter_than_a_shingle_is_one_shingle_and_none_spans_the_seam() -> None:
    assert shingles("Help", "the printer is down") == {"help", "the printer is", "printer is down"}


def test_digits_tell_tickets_apart() -> None:
    assert shingles("order 41 missing") != shingles("order 42 missing")


def test_text_without_words_has_no_shingles_and_matches_nothing() -> None:
    index = NearDuplicateIndex()
    keys = index.add("T1", "???", "...")
    assert shingles("???", "...") == frozenset()
    assert keys.band_keys == ()
    assert keys.sketch == ()
    assert index.query("???", "...") == []
    assert find_near_duplicates(BrokenSource("never asked"), index.spec, keys) == []
    assert estimated_jaccard(keys.signature, keys.signature) == 0.0


# --- signatures -------------------------------------------------------------------------------


def test_identical_text_has_the_same_signature_and_similarity_one() -> None:
    spec = SimilaritySpec()
    a = spec.keys(SUBJECT, BODY)
    b = spec.keys(SUBJECT.upper(), BODY.replace(".", " !"))
    assert a == b
    assert estimated_jaccard(a.signature, b.signature) == 1.0
    assert len(a.signature) == spec.num_perm


@given(
    shared=st.integers(min_value=0, max_value=120),
    only_a=st.integers(min_value=0, max_value=120),
    only_b=st.integers(min_value=0, max_value=120),
    seed=st.integers(min_value=0, max_value=2**64 - 1),
)
def test_estimated_jaccard_is_near_the_exact_value(
    shared: int, only_a: int, only_b: int, seed: int
) -> None:
    assume(shared + only_a > 0 and shared + only_b > 0)
    rng = random.Random(seed)
    common = {f"c{rng.random()}" for _ in range(shared)}
    a = common | {f"a{rng.random()}" for _ in range(only_a)}
    b = common | {f"b{rng.random()}" for _ in range(only_b)}
    hasher = MinHasher(num_perm=128, seed=seed)
    exact = len(a & b) / len(a | b)
    # The standard error is at most 0.05 here; 0.25 is five of them, so this never flakes.
    assert abs(estimated_jaccard(hasher.signature(a), hasher.signature(b)) - exact) <= 0.25


def test_estimated_jaccard_is_unbiased_and_as_precise_as_num_perm_permutations() -> None:
    rng = random.Random(5)
    hasher = MinHasher(num_perm=128, seed=5)
    errors = []
    for _ in range(300):
        common = [f"c{rng.random()}" for _ in range(rng.randrange(5, 60))]
        a = common + [f"a{rng.random()}" for _ in range(rng.randrange(0, 30))]
        b = common + [f"b{rng.random()}" for _ in range(rng.randrange(0, 30))]
        exact = len(common) / len(set(a) | set(b))
        errors.append(estimated_jaccard(hasher.signature(a), hasher.signature(b)) - exact)
    mean = sum(errors) / len(errors)
    rms = (sum(e * e for e in errors) / len(errors)) ** 0.5
    assert abs(mean) < 0.01
    assert rms < 0.05  # k-permutation MinHash: sqrt(J(1-J)/128) <= 0.044


def test_signatures_of_different_seeds_do_not_compare() -> None:
    words = shingles(SUBJECT, BODY)
    a, b = MinHasher(seed=1).signature(words), MinHasher(seed=2).signature(words)
    assert estimated_jaccard(a, b) < 0.2


# A pinned value: the signature and keys may never change between releases or Python versions,
# since stores keep them; a change needs a new fingerprint version and a reindex.
PINNED_FINGERPRINT = "39008df93cac5f51"
PINNED_FIRST_KEYS = ("0:8420370b385f22fa", "1:1f83cddfa1ad001b")
PINNED_SIGNATURE_START = (82343067763345142, 108252110331960097, 23829852422842278)
PINNED_SKETCH_START = (345767182726605061, 1771904345582060326)

_CHILD = """
import json, sys
from ticketflow.intake import SimilaritySpec
keys = SimilaritySpec().keys(sys.argv[1], sys.argv[2])
print(json.dumps([keys.signature, keys.band_keys, keys.sketch, keys.fingerprint]))
"""


def test_signature_and_band_keys_are_the_same_in_another_process_and_pinned() -> None:
    keys = SimilaritySpec().keys(SUBJECT, BODY)
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", _CHILD, SUBJECT, BODY],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    signature, band_keys, sketch, fingerprint = json.loads(out.stdout)
    assert tuple(signature) == keys.signature
    assert tuple(band_keys) == keys.band_keys
    assert tuple(sketch) == keys.sketch
    assert fingerprint == keys.fingerprint == PINNED_FINGERPRINT
    assert keys.band_keys[:2] == PINNED_FIRST_KEYS
    assert keys.signature[:3] == PINNED_SIGNATURE_START
    assert keys.sketch[:2] == PINNED_SKETCH_START


# --- bands ------------------------------------------------------------------------------------


def test_bands_and_rows_are_computed_from_the_threshold() -> None:
    spec = SimilaritySpec()
    assert (spec.bands, spec.rows) == (16, 8)
    rows = [SimilaritySpec(threshold=t).rows for t in (0.3, 0.5, 0.7, 0.8, 0.9)]
    assert rows == sorted(rows)
    assert rows[0] < rows[-1]


@pytest.mark.parametrize("threshold", [0.5, 0.7, 0.8, 0.9])
def test_the_s_curve_catches_pairs_above_the_threshold_and_few_far_below(
    threshold: float,
) -> None:
    spec = SimilaritySpec(threshold=threshold)
    assert spec.bands * spec.rows <= spec.num_perm
    assert spec.candidate_probability(min(1.0, threshold + 0.1)) >= 0.99
    assert spec.candidate_probability(threshold) >= 0.9
    assert spec.candidate_probability(threshold - 0.3) < 0.2


def test_given_bands_only_rows_fill_the_signature() -> None:
    assert SimilaritySpec(bands=32).rows == 4
    assert SimilaritySpec(bands=10, rows=12).rows == 12


def test_band_keys_are_short_strings_naming_their_band() -> None:
    spec = SimilaritySpec()
    keys = spec.keys(SUBJECT, BODY)
    assert len(keys.band_keys) == spec.bands
    assert all(re.fullmatch(r"\d+:[0-9a-f]{16}", key) for key in keys.band_keys)
    assert [key.split(":")[0] for key in keys.band_keys] == [str(b) for b in range(spec.bands)]
    assert spec.band_keys(keys.signature) == keys.band_keys


def test_band_keys_of_different_specs_never_meet() -> None:
    a = SimilaritySpec(seed=1).keys(SUBJECT, BODY)
    b = SimilaritySpec(seed=2).keys(SUBJECT, BODY)
    c = SimilaritySpec(shingle_size=2).keys(SUBJECT, BODY)
    assert len({a.fingerprint, b.fingerprint, c.fingerprint}) == 3
    assert not set(a.band_keys) & set(b.band_keys)
    assert not set(a.band_keys) & set(c.band_keys)


# --- precision and recall against brute force -------------------------------------------------

EDITS = (0, 1, 2, 3, 4, 6, 8, 12, 20)  # planted rewrites, from a copy to a loose paraphrase


@pytest.mark.no_cover  # a measurement over thousands of tickets, not a walk through the code
def test_precision_and_recall_against_brute_force_jaccard_on_planted_rewrites() -> None:
    rng = random.Random(2026)
    spec = SimilaritySpec()
    index = NearDuplicateIndex(spec)
    bases = [base_ticket(rng) for _ in range(2000)]
    base_shingles = []
    for number, (subject, body) in enumerate(bases):
        index.add(f"T{number}", subject, body)
        base_shingles.append(shingles(subject, body))
    hits = false_hits = misses = hard = 0
    for _ in range(600):
        subject, body = bases[rng.randrange(len(bases))]
        changed = rewrite(body, rng.choice(EDITS), rng)
        words = shingles(subject, changed)
        similarity = {f"T{n}": jaccard(words, other) for n, other in enumerate(base_shingles)}
        truth = {ticket_id for ticket_id, s in similarity.items() if s >= spec.threshold}
        hard += sum(1 for s in similarity.values() if abs(s - spec.threshold) < 0.1)
        found = {m.ticket_id: m.similarity for m in index.query(subject, changed)}
        hits += len(found.keys() & truth)
        false_hits += len(found.keys() - truth)
        misses += len(truth - found.keys())
        for ticket_id in found.keys() & truth:  # tickets are short: exact similarity
            assert found[ticket_id] == pytest.approx(similarity[ticket_id])
    # Enough duplicates to measure with, and many pairs close to the threshold either side.
    assert hits + misses > 150
    assert hard > 100
    assert hits / (hits + false_hits) >= 0.95
    assert hits / (hits + misses) >= 0.95


def test_long_texts_are_compared_by_their_sketches() -> None:
    rng = random.Random(3)
    words = [f"w{rng.randrange(10**6)}" for _ in range(3000)]
    body = " ".join(words)
    near = " ".join(words[:2900])  # 2,898 of 2,998 shingles shared: 0.967
    index = NearDuplicateIndex()
    index.add("T1", "long", body)
    [match] = index.query("long", near)
    exact = jaccard(shingles("long", body), shingles("long", near))
    assert match.ticket_id == "T1"
    assert match.similarity == pytest.approx(exact, abs=0.03)


# --- the index --------------------------------------------------------------------------------


def test_query_finds_rewrites_sorted_by_similarity_then_ticket_id() -> None:
    index = NearDuplicateIndex()
    index.add("T3", SUBJECT, BODY)
    index.add("T2", SUBJECT, BODY)
    index.add("T1", SUBJECT, BODY.replace("twice", "twice again"))
    index.add("T9", "Invoice 7 charged twice", "I was charged twice for invoice 7.")
    matches = index.query(SUBJECT, BODY)
    assert [m.ticket_id for m in matches] == ["T2", "T3", "T1"]
    assert matches[0] == NearDuplicate("T2", 1.0)
    assert 0.8 <= matches[2].similarity < 1.0
    assert index.query(SUBJECT, BODY, limit=1) == [NearDuplicate("T2", 1.0)]
    assert [m.ticket_id for m in index.query(SUBJECT, BODY, exclude={"T2"})] == ["T3", "T1"]


def test_add_replaces_and_remove_takes_out() -> None:
    index = NearDuplicateIndex()
    index.add("T1", SUBJECT, BODY)
    index.add("T2", SUBJECT, BODY)
    index.add("T1", "Invoice 7 charged twice", "I was charged twice for invoice 7.")
    assert [m.ticket_id for m in index.query(SUBJECT, BODY)] == ["T2"]
    assert index.remove("T2") is True
    assert index.remove("T2") is False
    assert index.query(SUBJECT, BODY) == []
    assert "T1" in index
    assert len(index) == 1
    assert index.remove("T1") is True
    assert len(index) == 0
    assert index.candidates(SimilaritySpec().keys(SUBJECT, BODY).band_keys) == {}


def test_keys_read_back_after_a_restart_index_the_same() -> None:
    first = NearDuplicateIndex()
    stored = {f"T{n}": first.add(f"T{n}", f"{SUBJECT} {n % 3}", BODY) for n in range(20)}
    second = NearDuplicateIndex(first.spec)
    for ticket_id, keys in stored.items():
        second.add_keys(ticket_id, keys)
    assert second.query(SUBJECT, BODY) == first.query(SUBJECT, BODY) != []


def test_keys_of_another_spec_or_tampered_keys_are_refused() -> None:
    index = NearDuplicateIndex()
    other = SimilaritySpec(seed=9).keys(SUBJECT, BODY)
    with pytest.raises(InvalidValueError) as caught:
        index.add_keys("T1", other)
    assert caught.value.field == "keys"
    keys = index.spec.keys(SUBJECT, BODY)
    forged = SimilarityKeys(keys.signature, keys.band_keys[::-1], keys.sketch, keys.fingerprint)
    with pytest.raises(InvalidValueError) as caught:
        index.add_keys("T1", forged)
    assert caught.value.field == "keys.band_keys"
    with pytest.raises(InvalidValueError) as caught:  # refused where it is built
        SimilarityKeys(keys.signature, keys.band_keys, keys.sketch[::-1], keys.fingerprint)
    assert caught.value.field == "sketch"
    assert len(index) == 0


class DictSource:
    """A store's side of the seam, as a host might write it: band key -> ticket ids."""

    def __init__(self) -> None:
        self.by_key: dict[str, set[str]] = {}
        self.sketches: dict[str, tuple[int, ...]] = {}

    def put(self, ticket_id: str, keys: SimilarityKeys) -> None:
        self.sketches[ticket_id] = keys.sketch
        for key in keys.band_keys:
            self.by_key.setdefault(key, set()).add(ticket_id)

    def candidates(self, band_keys: Collection[str]) -> Mapping[str, Sequence[int]]:
        ids = set().union(*(self.by_key.get(key, set()) for key in band_keys))
        return {ticket_id: self.sketches[ticket_id] for ticket_id in ids}


def test_a_store_holding_band_keys_finds_what_the_index_finds() -> None:
    rng = random.Random(11)
    spec = SimilaritySpec()
    index, store = NearDuplicateIndex(spec), DictSource()
    source: NearDuplicateSource = store
    for number in range(300):
        subject, body = base_ticket(rng)
        if number % 3 == 0:
            body = rewrite(body, 1, rng)
        store.put(f"T{number}", index.add(f"T{number}", subject, body))
    for _ in range(50):
        subject, body = base_ticket(rng)
        keys = spec.keys(subject, body)
        assert find_near_duplicates(source, spec, keys) == index.query(subject, body)
    keys = spec.keys(SUBJECT, BODY)
    with pytest.raises(InvalidValueError) as caught:
        find_near_duplicates(source, SimilaritySpec(seed=1), keys)
    assert caught.value.field == "keys"


class BrokenSource:
    """A store answering what it should not."""

    def __init__(self, answer: object) -> None:
        self.answer = answer

    def candidates(self, band_keys: Collection[str]) -> Mapping[str, Sequence[int]]:
        assert band_keys
        return self.answer  # type: ignore[return-value]


@pytest.mark.parametrize(
    ("answer", "field"),
    [
        (["T1"], "candidates"),
        ({1: (1, 2)}, "candidates"),
        ({"T1": "sketch"}, "candidates['T1']"),
        ({"T1": (2, 1)}, "candidates['T1']"),
        ({"T1": (1, 2**64)}, "candidates['T1']"),
        ({"T1": tuple(range(1025))}, "candidates['T1']"),
    ],
)
def test_a_store_answering_garbage_is_refused_not_compared(answer: object, field: str) -> None:
    spec = SimilaritySpec()
    with pytest.raises(InvalidValueError) as caught:
        find_near_duplicates(BrokenSource(answer), spec, spec.keys(SUBJECT, BODY))
    assert caught.value.field == field


def test_a_store_may_answer_sketches_as_lists() -> None:
    spec = SimilaritySpec()
    keys = spec.keys(SUBJECT, BODY)
    source = BrokenSource({"T1": list(keys.sketch)})
    assert find_near_duplicates(source, spec, keys) == [NearDuplicate("T1", 1.0)]


def test_threads_adding_removing_and_querying_leave_a_consistent_index() -> None:
    index = NearDuplicateIndex()
    failures: list[BaseException] = []

    def work(worker: int) -> None:
        try:
            for n in range(150):
                ticket_id = f"T{worker}-{n}"
                index.add(ticket_id, SUBJECT, f"{BODY} {n % 5}")
                index.query(SUBJECT, BODY)
                if n % 2:
                    assert index.remove(ticket_id)
        except BaseException as error:  # noqa: BLE001 - reported by the main thread
            failures.append(error)

    threads = [threading.Thread(target=work, args=(w,)) for w in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert len(index) == 4 * 75
    assert {m.ticket_id for m in index.query(SUBJECT, f"{BODY} 0")} >= {
        f"T{w}-{n}" for w in range(4) for n in range(0, 150, 10)
    }


# --- hostile input ----------------------------------------------------------------------------

junk = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True),
    st.text(max_size=5),
    st.lists(st.integers(), max_size=3),
)


@given(
    st.dictionaries(
        st.sampled_from(["threshold", "num_perm", "bands", "rows", "shingle_size", "seed"]),
        junk,
        max_size=3,
    )
)
def test_a_spec_is_built_or_refused_with_the_field_named(options: dict[str, Any]) -> None:
    try:
        spec = SimilaritySpec(**options)
    except InvalidValueError as error:
        assert error.field in options or error.field == "rows"  # noqa: PT017 - value or error
    else:
        assert spec.bands * spec.rows <= spec.num_perm


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"threshold": 0.0}, "threshold"),
        ({"threshold": 1}, "threshold"),
        ({"threshold": float("nan")}, "threshold"),
        ({"num_perm": 8}, "num_perm"),
        ({"num_perm": 4096}, "num_perm"),
        ({"bands": 0}, "bands"),
        ({"bands": 20, "rows": 7}, "rows"),
        ({"shingle_size": 0}, "shingle_size"),
        ({"seed": -1}, "seed"),
        ({"seed": True}, "seed"),
    ],
)
def test_bad_spec_values_are_refused(options: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidValueError) as caught:
        SimilaritySpec(**options)
    assert caught.value.field == field


@given(subject=st.one_of(st.text(), junk), body=st.one_of(st.text(), junk))
def test_any_text_is_indexed_and_queried_or_refused(subject: object, body: object) -> None:
    index = NearDuplicateIndex(SimilaritySpec(num_perm=16))
    try:
        index.add("T1", subject, body)  # type: ignore[arg-type]
    except InvalidValueError as error:
        assert error.field in {"subject", "body"}  # noqa: PT017 - a value or this error
        return
    matches = index.query(subject, body)  # type: ignore[arg-type]
    assert matches in ([], [NearDuplicate("T1", 1.0)])
    assert (matches == []) == (shingles(subject, body) == frozenset())  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda: estimated_jaccard((1, 2), (1,)), "sig_b"),
        (lambda: estimated_jaccard("ab", "ab"), "sig_a"),  # type: ignore[arg-type]
        (lambda: estimated_jaccard((), ()), "sig_a"),
        (lambda: estimated_jaccard((1, -2), (1, 2)), "sig_a"),
        (lambda: estimated_jaccard((1, 2**64), (1, 2)), "sig_a"),
        (lambda: SimilaritySpec().band_keys((1, 2, 3)), "signature"),
        (lambda: MinHasher().signature("one string"), "shingles"),
        (lambda: MinHasher().signature([b"bytes"]), "shingles"),  # type: ignore[list-item]
        (lambda: MinHasher(num_perm=1000), "num_perm"),
        (lambda: shingles("a", size=0), "size"),
        (lambda: shingles("a" * (2**20 + 1)), "subject"),
        (lambda: shingles("a", "\ud800"), "body"),
        (lambda: NearDuplicateIndex().add("", "a"), "ticket_id"),
        (lambda: NearDuplicateIndex().add("T\n1", "a"), "ticket_id"),
        (lambda: NearDuplicateIndex().query("a", limit=0), "limit"),
        (lambda: NearDuplicateIndex().query("a", exclude="T1"), "exclude"),
        (lambda: NearDuplicateIndex().query("a", exclude=[["T1"]]), "exclude"),  # type: ignore[list-item]
        (lambda: NearDuplicateIndex().query("a", exclude=[1]), "exclude"),  # type: ignore[list-item]
        (lambda: NearDuplicateIndex().candidates("0:00"), "band_keys"),
        (lambda: NearDuplicateIndex().candidates([None]), "band_keys"),  # type: ignore[list-item]
        (lambda: NearDuplicateIndex("spec"), "spec"),  # type: ignore[arg-type]
        (lambda: SimilaritySpec().candidate_probability(2.0), "similarity"),
    ],
)
def test_hostile_arguments_raise_typed_errors_naming_the_field(call: Any, field: str) -> None:
    with pytest.raises(InvalidValueError) as caught:
        call()
    assert caught.value.field == field
