r"""What a PostgreSQL ticket store holds, how to recognise one, and how it moves forward.

A store lives in one PostgreSQL schema (``ticketflow`` unless the host names another), so
several stores can share a database. It carries the table ``ticketflow_meta`` (the marker
``application = 'ticketflow'`` and the feed's identity) and ``ticketflow_migrations``, one row
per applied migration. :data:`MIGRATIONS` lists one script per version: script ``n`` takes a
store from version ``n`` to ``n + 1``, and each runs in its own transaction together with its
row in ``ticketflow_migrations``, so a store is always at exactly one version.

Every step is taken under a transaction-level advisory lock on the schema's name
(``pg_advisory_xact_lock``), and re-reads the version under it: processes that open the same
new or old store at once wait for each other, and each script runs exactly once.

The columns mirror the SQLite store's (``_sqlite_schema``): instants are integers of UTC
microseconds, JSON is ASCII text in ``text`` columns (never ``jsonb``, which refuses
``\\u0000``), every text column is ``COLLATE "C"`` so that ``ORDER BY`` is code point order as
in Python, and text that may hold a NUL is escaped (:func:`escape`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Final, LiteralString

from ..exceptions import NotATicketflowStoreError, SchemaVersionError, StoreError

if TYPE_CHECKING:
    import psycopg

__all__ = [
    "APPLICATION",
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "escape",
    "migrate",
    "unescape",
]

APPLICATION: Final = "ticketflow"
"""The marker in ``ticketflow_meta`` that says "this schema is a ticketflow store"."""

# The class id of the store's advisory locks ('tf' in ASCII); the object id is the schema's.
_LOCK_CLASS: Final = 0x7466

_V1: Final = """
CREATE TABLE ticketflow_meta (
    key text COLLATE "C" PRIMARY KEY,
    value text COLLATE "C" NOT NULL
);

INSERT INTO ticketflow_meta (key, value) VALUES ('application', 'ticketflow');
INSERT INTO ticketflow_meta (key, value)
VALUES ('feed', md5(random()::text || clock_timestamp()::text));

-- One row per ticket: the snapshot plus the columns queries filter on. `fields` is the
-- canonical text of the field index rows. A due entry may be leased to a worker
-- (claim_due); every commit of the ticket ends the lease.
CREATE TABLE tickets (
    id text COLLATE "C" PRIMARY KEY,
    number bigint NOT NULL UNIQUE,
    version bigint NOT NULL,
    status text COLLATE "C" NOT NULL,
    queue text COLLATE "C",
    assignee text COLLATE "C",
    fields text COLLATE "C" NOT NULL,
    snapshot text COLLATE "C" NOT NULL,
    due_at bigint,
    due_lease_worker text COLLATE "C",
    due_lease_until bigint
);

CREATE INDEX tickets_by_status ON tickets (status, number);
CREATE INDEX tickets_by_queue ON tickets (queue, number);
CREATE INDEX tickets_by_assignee ON tickets (assignee, number);
CREATE INDEX tickets_by_due_at ON tickets (due_at, id) WHERE due_at IS NOT NULL;

-- What the feed adds to transaction ids: 0 until a copy of the store lands on a server whose
-- ids are behind those it holds (see raise_xid_offset).
CREATE FUNCTION ticketflow_xid_offset() RETURNS bigint LANGUAGE sql STABLE
AS $$ SELECT 0::bigint $$;

-- Each event carries the id of the transaction that wrote it and a sequence number: the feed
-- reads in (xid, seq) order, and only below the oldest commit still running, so that an
-- event committed late with a low sequence number is never skipped (see _postgres_feed).
CREATE TABLE events (
    ticket_id text COLLATE "C" NOT NULL,
    version bigint NOT NULL,
    type text COLLATE "C" NOT NULL,
    at bigint NOT NULL,
    body text COLLATE "C" NOT NULL,
    xid bigint NOT NULL DEFAULT (pg_current_xact_id()::text::bigint + ticketflow_xid_offset()),
    seq bigint GENERATED ALWAYS AS IDENTITY,
    PRIMARY KEY (ticket_id, version)
);

CREATE UNIQUE INDEX events_in_feed_order ON events (xid, seq);

-- Values are canonical JSON (1, 1.0, true and "1" are four different values).
CREATE TABLE ticket_fields (
    ticket_id text COLLATE "C" NOT NULL,
    name text COLLATE "C" NOT NULL,
    value text COLLATE "C" NOT NULL,
    PRIMARY KEY (ticket_id, name)
);

CREATE INDEX ticket_fields_by_value ON ticket_fields (name, value, ticket_id);

CREATE TABLE ticket_memos (
    ticket_id text COLLATE "C" NOT NULL,
    name text COLLATE "C" NOT NULL,
    body text COLLATE "C" NOT NULL,
    PRIMARY KEY (ticket_id, name)
);

-- An outbox message that announces an event refers to it (event_version); a host's own
-- messages keep their payload.
CREATE TABLE outbox (
    id text COLLATE "C" PRIMARY KEY,
    created_at bigint NOT NULL,
    topic text COLLATE "C" NOT NULL,
    ticket_id text COLLATE "C",
    event_version bigint,
    payload text COLLATE "C",
    not_before bigint NOT NULL,
    attempts bigint NOT NULL DEFAULT 0,
    lease_token text COLLATE "C",
    lease_until bigint,
    CHECK ((event_version IS NULL) <> (payload IS NULL))
);

CREATE INDEX outbox_by_age ON outbox (created_at, id);

CREATE TABLE outbox_dead (
    dead_at bigint NOT NULL,
    id text COLLATE "C" NOT NULL UNIQUE,
    created_at bigint NOT NULL,
    topic text COLLATE "C" NOT NULL,
    ticket_id text COLLATE "C",
    event_version bigint,
    payload text COLLATE "C",
    attempts bigint NOT NULL,
    last_error text COLLATE "C" NOT NULL,
    PRIMARY KEY (dead_at, id),
    CHECK ((event_version IS NULL) <> (payload IS NULL))
);

-- A dead letter's id stays taken in the outbox, as a live message's is.
CREATE FUNCTION outbox_id_not_dead() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM outbox_dead WHERE id = NEW.id) THEN
        RAISE unique_violation USING MESSAGE = 'outbox message id is taken by a dead letter';
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER outbox_id_not_dead BEFORE INSERT ON outbox
FOR EACH ROW EXECUTE FUNCTION outbox_id_not_dead();

CREATE TABLE counters (
    name text COLLATE "C" PRIMARY KEY,
    value bigint NOT NULL
);

INSERT INTO counters (name, value) VALUES ('ticket_number', 0);

CREATE TABLE intake_claims (
    key text COLLATE "C" PRIMARY KEY,
    ticket_id text COLLATE "C" NOT NULL
);

CREATE TABLE intake_similarity (
    ticket_id text COLLATE "C" PRIMARY KEY,
    bands text COLLATE "C" NOT NULL,
    sketch bytea NOT NULL
);

CREATE TABLE intake_bands (
    band_key text COLLATE "C" NOT NULL,
    ticket_id text COLLATE "C" NOT NULL,
    PRIMARY KEY (band_key, ticket_id)
);

CREATE TABLE intake_rejected (
    seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id text COLLATE "C" NOT NULL UNIQUE,
    channel text COLLATE "C" NOT NULL,
    received_at bigint NOT NULL,
    raw bytea NOT NULL,
    size bigint NOT NULL,
    problems text COLLATE "C" NOT NULL,
    settled_at bigint,
    ticket_id text COLLATE "C"
);

CREATE INDEX intake_rejected_pending ON intake_rejected (seq) WHERE settled_at IS NULL;

CREATE TABLE routing_turns (
    queue text COLLATE "C" PRIMARY KEY,
    agent text COLLATE "C" NOT NULL
);
"""

# One statement, and so one round trip and one implicit transaction, for the commonest commit:
# a new version of a stored ticket, with its events, memos, field index and outbox messages.
# It takes the feed's writer lock before anything gives the transaction an id (as the
# pipelined path does), locks the ticket's row and writes nothing unless the stored version,
# number (and, for a change without events, snapshot) are the expected ones; it answers what
# it found, and the caller raises when that differs. Arrays carry the rows, in order.
_V2: Final = """
CREATE FUNCTION ticketflow_commit(
    p_lock_class integer, p_lock_id integer,
    p_id text, p_expected bigint, p_number bigint, p_same text,
    p_version bigint, p_snapshot text, p_fields text, p_status text, p_queue text,
    p_assignee text, p_due_at bigint,
    p_field_names text[], p_field_values text[],
    p_event_versions bigint[], p_event_types text[], p_event_ats bigint[], p_event_bodies text[],
    p_memo_names text[], p_memo_bodies text[],
    p_message_ids text[], p_message_topics text[], p_message_tickets text[],
    p_message_versions bigint[], p_message_payloads text[], p_message_created bigint[],
    p_message_not_before bigint[],
    OUT found_version bigint, OUT found_number bigint, OUT found_same boolean
) LANGUAGE plpgsql AS $$
DECLARE
    stored_fields text;
BEGIN
    PERFORM pg_advisory_xact_lock_shared(p_lock_class, p_lock_id);
    SELECT t.version, t.number, t.fields, t.snapshot = p_same
      INTO found_version, found_number, stored_fields, found_same
      FROM tickets AS t WHERE t.id = p_id FOR UPDATE;
    IF NOT FOUND THEN
        found_version := 0;
        RETURN;
    END IF;
    IF found_version <> p_expected OR found_number <> p_number
       OR (p_same IS NOT NULL AND NOT found_same) THEN
        RETURN;
    END IF;
    UPDATE tickets SET version = p_version, snapshot = p_snapshot, fields = p_fields,
        status = p_status, queue = p_queue, assignee = p_assignee, due_at = p_due_at,
        due_lease_worker = NULL, due_lease_until = NULL
     WHERE id = p_id;
    IF stored_fields <> p_fields THEN
        DELETE FROM ticket_fields WHERE ticket_id = p_id;
        INSERT INTO ticket_fields (ticket_id, name, value)
        SELECT p_id, f.name, f.value FROM unnest(p_field_names, p_field_values) AS f(name, value);
    END IF;
    INSERT INTO events (ticket_id, version, type, at, body)
    SELECT p_id, e.version, e.type, e.at, e.body
      FROM unnest(p_event_versions, p_event_types, p_event_ats, p_event_bodies)
           WITH ORDINALITY AS e(version, type, at, body, n)
     ORDER BY e.n;
    INSERT INTO ticket_memos (ticket_id, name, body)
    SELECT p_id, m.name, m.body FROM unnest(p_memo_names, p_memo_bodies) AS m(name, body)
        ON CONFLICT (ticket_id, name) DO UPDATE SET body = excluded.body;
    INSERT INTO outbox (id, topic, ticket_id, event_version, payload, created_at, not_before)
    SELECT o.id, o.topic, o.ticket_id, o.event_version, o.payload, o.created_at, o.not_before
      FROM unnest(p_message_ids, p_message_topics, p_message_tickets, p_message_versions,
                  p_message_payloads, p_message_created, p_message_not_before)
           WITH ORDINALITY AS o(id, topic, ticket_id, event_version, payload, created_at,
                                not_before, n)
     ORDER BY o.n;
END;
$$;
"""

MIGRATIONS: Sequence[LiteralString] = (_V1, _V2)
"""The forward migrations, in order: ``MIGRATIONS[n]`` moves a store from version n to n + 1.

Append only; never edit a script that has shipped.
"""

SCHEMA_VERSION: Final = len(MIGRATIONS)
"""The schema version this release writes (and the newest it can open)."""


def escape(text: str) -> str:
    r"""Return ``text`` as a PostgreSQL ``text`` value can hold it: no NUL character.

    ``\x01`` introduces a pair: ``\x00`` becomes ``\x01\x01`` and ``\x01`` becomes
    ``\x01\x02``. The code is injective and keeps code point order, so equality, uniqueness and
    ``ORDER BY`` (``COLLATE "C"``) on escaped text are those of the text itself.
    """
    if "\x00" in text or "\x01" in text:
        return text.replace("\x01", "\x01\x02").replace("\x00", "\x01\x01")
    return text


def unescape(text: str) -> str:
    """Return the text that :func:`escape` turned into ``text``."""
    if "\x01" in text:
        return text.replace("\x01\x01", "\x00").replace("\x01\x02", "\x01")
    return text


def migrate(connection: psycopg.Connection[tuple[object, ...]], schema: str, location: str) -> int:
    """Create the schema if needed and apply every pending migration; return the version.

    Each step is one transaction under the schema's advisory lock, so processes that start at
    once migrate exactly once. ``search_path`` must already name ``schema``.

    Raises:
        NotATicketflowStoreError: The schema holds tables but no ticketflow marker.
        SchemaVersionError: The store is newer than this release; it was not modified.
        StoreError: A migration failed; its step was rolled back.
    """
    from psycopg import sql  # noqa: PLC0415 - psycopg is imported on first use

    while True:
        with connection.transaction():
            connection.execute(
                "SELECT pg_advisory_xact_lock(%s, hashtext(%s))", (_LOCK_CLASS, schema)
            )
            # Only when missing: a role without CREATE on the database opens an existing one.
            if not connection.execute(
                "SELECT 1 FROM pg_namespace WHERE nspname = %s", (schema,)
            ).fetchone():
                connection.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
            version = _version_in(connection, schema, location)
            if version == len(MIGRATIONS):
                _raise_xid_offset(connection)
                return version
            try:
                with connection.transaction():
                    connection.execute(MIGRATIONS[version])
                    connection.execute(
                        "INSERT INTO ticketflow_migrations (version) VALUES (%s)", (version + 1,)
                    )
            except Exception as error:
                raise StoreError(
                    f"{location}: migration to schema version {version + 1} failed: {error}"
                ) from error


def _version_in(
    connection: psycopg.Connection[tuple[object, ...]], schema: str, location: str
) -> int:
    tables = {
        str(name)
        for (name,) in connection.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s", (schema,)
        ).fetchall()
    }
    if "ticketflow_migrations" not in tables:
        if tables:
            raise NotATicketflowStoreError(location, "the schema holds other tables")
        connection.execute(
            "CREATE TABLE ticketflow_migrations ("
            " version integer PRIMARY KEY,"
            " applied_at timestamptz NOT NULL DEFAULT now())"
        )
        return 0
    row = connection.execute("SELECT max(version) FROM ticketflow_migrations").fetchone()
    version = 0 if row is None or row[0] is None else row[0]
    if version and "ticketflow_meta" in tables:
        marker = connection.execute(
            "SELECT value FROM ticketflow_meta WHERE key = 'application'"
        ).fetchone()
        if marker is None or marker[0] != APPLICATION:
            raise NotATicketflowStoreError(location, "it has no ticketflow marker")
    if not isinstance(version, int) or version < 0:
        raise NotATicketflowStoreError(location, f"its schema version is unreadable: {version!r}")
    if version > len(MIGRATIONS):
        raise SchemaVersionError(location, version, len(MIGRATIONS))
    return version


def _raise_xid_offset(connection: psycopg.Connection[tuple[object, ...]]) -> None:
    # A copy of the store restored on another server (pg_dump and restore) keeps its events'
    # positions, but the new server's transaction ids may be far behind them: new events
    # would sort before positions already read, and be skipped. The offset lifts the new ids
    # above the highest position held. (pg_upgrade keeps the ids: nothing to do there.)
    from psycopg import sql  # noqa: PLC0415 - psycopg is imported on first use

    row = connection.execute(
        "SELECT (SELECT max(xid) FROM events),"
        " pg_current_xact_id()::text::bigint + ticketflow_xid_offset(), ticketflow_xid_offset()"
    ).fetchone()
    if row is None or row[0] is None:
        return
    highest, current, offset = (int(value) for value in row)  # type: ignore[call-overload]
    if highest < current:
        return
    raised = offset + highest - current + 1
    connection.execute(
        sql.SQL(
            "CREATE OR REPLACE FUNCTION ticketflow_xid_offset() RETURNS bigint LANGUAGE sql"
            " STABLE AS $$ SELECT {}::bigint $$"
        ).format(sql.Literal(raised))
    )
