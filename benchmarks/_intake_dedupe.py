"""How fast is a near-duplicate query?  Printed by benchmarks/intake.py (or run this alone).

Indexes 100,000 generated open tickets (support language with random products, problems,
names and numbers; one in ten a planted rewrite of another) in a ``NearDuplicateIndex`` with the
default ``SimilaritySpec``, then prints, from the same run:

- the time to make one ticket's keys (shingles, signature, band keys, sketch), and to index it;
- the median query: text in, verified matches out, and the same from keys already made (the
  part a store's query replaces);
- brute force: exact Jaccard of the query's shingle hashes against every indexed ticket's,
  kept as ready-made frozensets (the fastest brute force in pure Python), its median, and the
  ratio (target: query under 1 ms and at least 100x faster than brute force);
- that both found the same tickets for every query.
"""

from __future__ import annotations

import gc
import platform
import random
import resource
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "intake"))

from _similar_corpus import base_ticket, rewrite
from _workload import sized

from ticketflow.intake import (
    NearDuplicateIndex,
    SimilaritySpec,
    find_near_duplicates,
)

TICKETS = int(sys.argv[1]) if len(sys.argv) > 1 else sized(100_000, 50)
QUERIES = sized(500, 10)  # LSH queries timed; half rewrites of indexed tickets, half new tickets
BRUTE_QUERIES = sized(25, 2)  # brute force is slow; its median over fewer queries


def exact(query: frozenset[int], indexed: list[tuple[str, frozenset[int]]], t: float) -> set[str]:
    """Return the ids of every indexed ticket at least ``t`` similar (brute force)."""
    found = set()
    size = len(query)
    for ticket_id, other in indexed:
        both = len(query & other)
        if both and both / (size + len(other) - both) >= t:
            found.add(ticket_id)
    return found


def generate(rng: random.Random) -> list[tuple[str, str]]:
    """Return the open tickets' texts; one in ten rewrites an earlier one."""
    texts: list[tuple[str, str]] = []
    for number in range(TICKETS):
        if number % 10 == 9:
            subject, body = texts[rng.randrange(number)]
            texts.append((subject, rewrite(body, rng.choice((0, 1, 2, 4, 8)), rng)))
        else:
            texts.append(base_ticket(rng))
    return texts


def build(
    spec: SimilaritySpec, texts: list[tuple[str, str]]
) -> tuple[NearDuplicateIndex, list[tuple[str, frozenset[int]]], dict[str, float]]:
    """Index the texts; return the index, brute force's sets and the figures."""
    gc.collect()
    started = time.perf_counter()
    made = [spec.keys(subject, body) for subject, body in texts]
    keys_seconds = time.perf_counter() - started
    index = NearDuplicateIndex(spec)
    started = time.perf_counter()
    for number, keys in enumerate(made):
        index.add_keys(f"T{number}", keys)
    add_seconds = time.perf_counter() - started
    brute = [(f"T{number}", frozenset(keys.sketch)) for number, keys in enumerate(made)]
    figures = {
        "shingles": statistics.median(len(keys.sketch) for keys in made),
        "keys_us": keys_seconds / len(texts) * 1e6,
        "add_us": add_seconds / len(texts) * 1e6,
    }
    return index, brute, figures


def main() -> None:
    """Print the table."""
    rng = random.Random(2026)
    spec = SimilaritySpec()
    print(f"near-duplicate query on Python {platform.python_version()} ({sys.platform})")
    print(f"{spec!r}\n")
    texts = generate(rng)
    index, brute, figures = build(spec, texts)
    queries = []
    for number in range(QUERIES):
        if number % 2:
            subject, body = texts[rng.randrange(TICKETS)]
            queries.append((subject, rewrite(body, rng.choice((1, 2, 3, 6)), rng)))
        else:
            queries.append(base_ticket(rng))

    gc.collect()
    gc.disable()
    query_times, keyed_times, found = [], [], []
    for subject, body in queries:
        started = time.perf_counter()
        matches = index.query(subject, body)
        query_times.append(time.perf_counter() - started)
        found.append({m.ticket_id for m in matches})
        keys = spec.keys(subject, body)
        started = time.perf_counter()
        find_near_duplicates(index, spec, keys)
        keyed_times.append(time.perf_counter() - started)
    brute_times, agree = [], 0
    for (subject, body), lsh in zip(queries[:BRUTE_QUERIES], found, strict=False):
        started = time.perf_counter()
        query = frozenset(spec.keys(subject, body).sketch)
        truth = exact(query, brute, spec.threshold)
        brute_times.append(time.perf_counter() - started)
        agree += truth == lsh
    gc.enable()

    median = statistics.median(query_times)
    brute_median = statistics.median(brute_times)
    p95 = statistics.quantiles(query_times, n=20)[-1]
    print(f"indexed open tickets          {TICKETS:>12,}")
    print(f"shingles per ticket (median)  {figures['shingles']:>12.0f}")
    print(f"keys per ticket (us)          {figures['keys_us']:>12.1f}")
    print(f"index add per ticket (us)     {figures['add_us']:>12.1f}")
    print(f"queries / with a match        {QUERIES:>6} / {sum(1 for f in found if f):<5}")
    print(f"query, median (ms)            {median * 1e3:>12.3f}   target < 1 ms")
    print(f"query, p95 (ms)               {p95 * 1e3:>12.3f}")
    print(f"query from keys, median (ms)  {statistics.median(keyed_times) * 1e3:>12.3f}")
    print(f"brute force, median (ms)      {brute_median * 1e3:>12.1f}   ({BRUTE_QUERIES} queries)")
    print(f"brute force / query           {brute_median / median:>11,.0f}x   target >= 100x")
    print(f"same tickets as brute force   {agree:>6} of {BRUTE_QUERIES}")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory (MB, whole run)   {rss:>12.0f}")


if __name__ == "__main__":
    main()
