"""The ids ticketflow makes are what ``uuid.uuid4().hex`` makes: random version-4 UUIDs."""

from __future__ import annotations

import uuid

from ticketflow._ids import new_id


def test_an_id_is_a_version_4_uuid_in_32_lowercase_hex_digits() -> None:
    for _ in range(2_000):
        made = new_id()
        parsed = uuid.UUID(hex=made)
        assert (parsed.version, parsed.variant) == (4, uuid.RFC_4122)
        assert parsed.hex == made


def test_ids_differ_and_every_random_bit_varies() -> None:
    made = [int(new_id(), 16) for _ in range(2_000)]
    assert len(set(made)) == len(made)
    varying = 0
    for value in made[1:]:
        varying |= value ^ made[0]
    # 122 random bits: all but the 4 version bits and the 2 variant bits.
    assert varying.bit_count() == 122
