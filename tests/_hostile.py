"""Hostile values of every type, and valid arguments for every public constructor.

``tests/test_hostile_input.py`` calls each public constructor with valid arguments of which
some are swapped for :data:`hostile_values` (or left out), so that both the refusal and the
success path are exercised. Every strategy is built once, here, at import.
"""

from __future__ import annotations

import atexit
import decimal
import fractions
import shutil
import tempfile
import uuid
import warnings
import zoneinfo
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, timedelta, timezone
from enum import Enum
from pathlib import Path
from random import Random
from typing import Any, Final, cast

import attrs
from hypothesis import strategies as st

from _postgres_server import disposable_postgres_store
from ticketflow import (
    DEFAULT_WORKFLOW,
    Actor,
    Channel,
    CheckResult,
    Comment,
    CommentAdded,
    CriterionVerdict,
    CsatRecorded,
    DecisionExplained,
    Desk,
    Draft,
    DueCheckpoint,
    Fields,
    FieldsChanged,
    FieldValue,
    FixVerified,
    IncidentLinkChanged,
    LinkKind,
    Move,
    NewTicket,
    PluginError,
    ProblemAspect,
    ProblemUpdated,
    Requester,
    Resolution,
    ResolutionAnswer,
    ResolutionAnswered,
    ResolutionRecorded,
    ResolutionSource,
    Role,
    SlaBreached,
    SlaMetric,
    SlaWarned,
    SuggestionReviewed,
    SystemClock,
    Ticket,
    TicketAssigned,
    TicketCategorized,
    TicketCreated,
    TicketEvent,
    TicketKind,
    TicketLinked,
    TicketLinks,
    TicketPrioritized,
    TicketStatus,
    TicketTagged,
    TicketTransitioned,
    TicketView,
    TickReport,
    VerificationMethod,
    Workflow,
    apply,
    make_converter,
    replay,
    same_mailbox,
    to_primitive,
    transition,
)
from ticketflow.analytics import (
    Analytics,
    Driver,
    DriverTable,
    MetricRow,
    MetricTable,
    Report,
    ReportTable,
)
from ticketflow.intake import (
    Attachment,
    DirectoryAttachmentSink,
    EmailLimits,
    FormSpec,
    InboundEmail,
    InMemoryAttachmentSink,
    Intake,
    IntakeAction,
    IntakeOutcome,
    IntakeProblem,
    MailAddress,
    MailIdentity,
    MinHasher,
    NearDuplicate,
    NearDuplicateAction,
    NearDuplicateIndex,
    SimilarityKeys,
    SimilaritySpec,
    estimated_jaccard,
    find_near_duplicates,
    form_schema,
    outbound_message,
    parse_email,
    parse_form,
    shingles,
)
from ticketflow.integrations import (
    Account,
    DispatchReport,
    InMemoryBilling,
    InMemoryContracts,
    InMemoryCrm,
    RetrySchedule,
    ServiceCredit,
    dispatch_outbox,
    service_credit_handler,
)
from ticketflow.plugins import DiscoveryReport, StrategyRegistry, discover
from ticketflow.problems import (
    DetectorPolicy,
    Dismissal,
    IncidentOutcome,
    IncidentResult,
    InMemoryDismissals,
    ProblemPolicy,
    ProblemResolution,
    Problems,
    ProblemState,
    ProblemSuggestion,
    RecurrenceDetector,
    VerifiedFix,
    problem_state,
    quiet_period_check,
)
from ticketflow.resolution import (
    ANY,
    AutoClose,
    ChecklistDone,
    CodeInList,
    Criterion,
    CsatTrigger,
    DoneContext,
    DoneCriteria,
    EvidenceAttached,
    HostCriterion,
    ProblemLinked,
    ReplyAction,
    ReplyOutcome,
    ReplyRules,
    ResolutionPolicy,
    RootCauseGiven,
    ThanksClassifier,
    business_days_after,
    pending_suggestion,
)
from ticketflow.sla import (
    AlertKind,
    Assignment,
    BusinessCalendar,
    ClockReading,
    ClockState,
    Closure,
    EscalationStep,
    Opening,
    SlaAlert,
    SlaPolicy,
    SlaRule,
    SlaState,
    SlaTargets,
    bump_priority,
    holidays_from,
    plan_alerts,
    reassign,
    sla_alerts,
    sla_state,
)
from ticketflow.storage import (
    Change,
    DeadLetter,
    DueEntry,
    FeedCursor,
    FeedEntry,
    FeedPage,
    InMemoryTicketStore,
    LeasedMessage,
    OutboxMessage,
    Page,
    RejectedIntake,
    SQLiteTicketStore,
    TicketQuery,
)
from ticketflow.testing import (
    FrozenClock,
    actors,
    aware_datetimes,
    field_maps,
    histories,
    new_tickets,
    requesters,
    tickets,
)
from ticketflow.triage import (
    DEFAULT_MATRIX,
    UNCATEGORIZED,
    Agent,
    Category,
    CategoryDecision,
    CategoryRule,
    InMemoryRoundRobinCursor,
    Needs,
    PriorityDecision,
    PriorityMatrix,
    PriorityStep,
    ReplayChange,
    ReplayTally,
    RouteContext,
    RouteDecision,
    RouteRule,
    StoreRoundRobinCursor,
    Taxonomy,
    Triage,
    TriagePlan,
    TriageReplay,
    chain_router,
    field_modifier,
    keyword_modifier,
    least_loaded_router,
    priority_policy,
    replay_triage,
    round_robin_router,
    rule_categorizer,
    rule_router,
    skills_router,
    tier_modifier,
    vip_modifier,
)
from ticketflow.webhooks import (
    HttpTransport,
    RecordedRequest,
    RecordingTransport,
    VerifiedWebhook,
    WebhookDeliveryError,
    WebhookDispatcher,
    WebhookEndpoint,
    WebhookSecret,
    sign,
    verify,
    webhook_body,
)
from ticketflow.workers import WorkerSetup

__all__ = [
    "ENUMS",
    "FUNCTION_TARGETS",
    "SCRATCH",
    "TARGETS",
    "Arguments",
    "Target",
    "hostile_arguments",
    "hostile_values",
    "kwargs_of",
]

Arguments = tuple[tuple[Any, ...], dict[str, Any]]
"""Positional and keyword arguments for one call."""

SCRATCH: Final = Path(tempfile.mkdtemp(prefix="ticketflow-hostile-"))
"""Where the stores the tests open live; removed when the interpreter exits."""
atexit.register(shutil.rmtree, SCRATCH, ignore_errors=True)

ENUMS: Final[tuple[type[Enum], ...]] = (
    TicketStatus,
    Role,
    Channel,
    TicketKind,
    LinkKind,
    SlaMetric,
    AlertKind,
    ClockState,
    ResolutionSource,
    ResolutionAnswer,
    CsatTrigger,
    ReplyAction,
    ProblemAspect,
    VerificationMethod,
    IncidentResult,
)


# -- hostile values ------------------------------------------------------------------------------


class Opaque:
    """An object of a class ticketflow has never heard of."""

    def __repr__(self) -> str:
        return "Opaque()"


def _anything(*_: object, **__: object) -> None:
    """A callable that accepts anything and returns nothing."""


def _passes(_: object) -> CheckResult:
    """A workflow check that always passes."""
    return CheckResult.ok()


_FAR_EAST = timezone(timedelta(hours=14))
_FAR_WEST = timezone(timedelta(hours=-14))
_BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")

_SPECIAL: Final[list[object]] = [
    # numbers at and beyond every limit a store or JSON has
    0,
    -1,
    1,
    2**63 - 1,
    2**63,
    -(2**63),
    -(2**63) - 1,
    2**64,
    10**4299,  # the most digits the interpreter still prints
    -0.0,
    float("nan"),
    float("inf"),
    float("-inf"),
    1e308,
    5e-324,
    1j,
    decimal.Decimal("NaN"),
    decimal.Decimal("1.5"),
    fractions.Fraction(1, 3),
    # text: empty, blank, every line break, NUL, lone surrogates, huge, and plausible words
    "",
    " ",
    "\t",
    "\x00",
    "a\x00b",
    "\x0b",
    "\x0c",
    "\x1c",
    "\x85",
    "\u2028",
    "\u2029",
    "a\nb",
    "a\r\nb",
    "\ud800",
    "x\udfff",
    "x" * 1_100_000,
    "y" * 257,
    "z" * 999,
    "*",
    "new",
    "closed",
    "P1",
    "UTC",
    "Mars/Olympus",
    "09:00-17:00",
    "25:00-26:00",
    "mon-fri",
    "alice@example.com",
    "stra\u00dfe@example.com",
    b"",
    b"\xff",
    b"new",
    bytearray(b"a"),
    # time: naive and aware, at the ends of the range, in a DST gap, beyond UTC's range
    datetime.min,  # noqa: DTZ901 - naive on purpose
    datetime.max,  # noqa: DTZ901
    datetime.min.replace(tzinfo=UTC),
    datetime.max.replace(tzinfo=UTC),
    datetime(1, 1, 1, tzinfo=_FAR_EAST),
    datetime(9999, 12, 31, 23, tzinfo=_FAR_WEST),
    datetime(2026, 3, 2, 9),  # noqa: DTZ001 - naive on purpose
    datetime(2026, 3, 2, 9, tzinfo=UTC),
    datetime(2026, 3, 29, 2, 30, tzinfo=_BERLIN),
    timedelta(0),
    timedelta(microseconds=-1),
    timedelta(days=-1),
    timedelta.min,
    timedelta.max,
    date(2026, 1, 1),
    date.min,
    date.max,
    # objects of every other kind
    object(),
    Opaque(),
    _anything,
    int,
    str,
    dict,
    Opaque,
    Ellipsis,
    NotImplemented,
    range(3),
    uuid.UUID(int=0),
    zoneinfo.ZoneInfo("UTC"),
    Path("relative"),
    (),
    [],
    {},
    set(),
    frozenset(),
    # ticketflow's own enums and their raw values
    *(member for enum in ENUMS for member in enum),
    *(member.value for enum in ENUMS for member in enum),
]

_timezones = (
    st.none()
    | st.just(UTC)
    | st.builds(
        timezone, st.timedeltas(timedelta(hours=-23, minutes=-59), timedelta(hours=23, minutes=59))
    )
)
_scalars = st.one_of(
    st.sampled_from(_SPECIAL),
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(max_size=30),
    st.binary(max_size=8),
    st.datetimes(timezones=_timezones),
    st.timedeltas(),
    st.dates(),
)
_hashables = st.one_of(
    st.none(), st.integers(), st.text(max_size=5), st.tuples(st.text(max_size=3), st.integers())
)

hostile_values: Final[st.SearchStrategy[Any]] = st.recursive(
    _scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.tuples(inner, inner),
        st.frozensets(_hashables, max_size=3),
        st.sets(_hashables, max_size=3),
        st.dictionaries(_hashables, inner, max_size=3),
    ),
    max_leaves=6,
)
"""Values of every type: limits, line breaks, surrogates, naive times, enums, containers."""


# -- valid arguments -----------------------------------------------------------------------------


@attrs.frozen
class Target:
    """A public constructor: what to call, its valid arguments, and which it may go without."""

    name: str
    build: Callable[..., object]
    valid: st.SearchStrategy[Arguments]
    optional: frozenset[str] = frozenset()


def kwargs_of(value: object) -> dict[str, Any]:
    """Return the keyword arguments that build ``value`` again (an attrs instance)."""
    cls = cast("type[attrs.AttrsInstance]", type(value))
    return {field.alias: getattr(value, field.name) for field in attrs.fields(cls) if field.init}


def _instances(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Arguments]:
    return strategy.map(lambda value: ((), kwargs_of(value)))


def _keywords(**strategies: st.SearchStrategy[Any]) -> st.SearchStrategy[Arguments]:
    return st.fixed_dictionaries(strategies).map(lambda kwargs: ((), kwargs))


T0: Final = datetime(2026, 3, 2, 9, tzinfo=UTC)
_names = st.text(st.characters(categories=["L", "N"]), min_size=1, max_size=12)
_line = st.text(
    st.characters(
        exclude_characters="\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029", exclude_categories=["Cs"]
    ),
    max_size=40,
).filter(lambda s: s.strip() != "")
_bodies = st.text(st.characters(exclude_categories=["Cs"]), max_size=100).filter(
    lambda s: s.strip() != ""
)
_labels = st.none() | _names
_levels = st.none() | st.integers(1, 5)
_ids = st.uuids().map(str)
_tag_sets = st.frozensets(
    st.text(st.characters(categories=["L", "N", "Pd"]), min_size=1, max_size=10), max_size=3
)
_durations = st.timedeltas(timedelta(minutes=1), timedelta(days=30))
_webhook_keys = st.binary(min_size=16, max_size=64)
_webhook_ids = st.text(
    st.characters(codec="utf-8", exclude_categories=["Cc", "Zl", "Zp"]), min_size=1, max_size=40
).filter(str.strip)
_webhook_times = st.integers(0, 253_402_300_799)
_webhook_secrets = (
    _webhook_keys.map(WebhookSecret)
    | _webhook_keys.map(lambda key: WebhookSecret(key).text)
    | st.lists(_webhook_keys.map(WebhookSecret), min_size=1, max_size=3)
)
_webhook_urls = st.builds(
    "{}://{}{}/{}".format,
    st.sampled_from(["http", "https", "HTTPS"]),
    st.from_regex(r"[a-z0-9]{1,20}(\.[a-z]{2,6}){0,2}", fullmatch=True),
    st.sampled_from(["", ":8080", ":443"]),
    st.from_regex(r"[A-Za-z0-9._~/-]{0,30}", fullmatch=True),
)
_webhook_topics = st.lists(
    st.sampled_from(["*", "ticket.*", "ticket.created", "billing.*", "a.b.c"]),
    min_size=1,
    max_size=4,
)
_timeouts = st.floats(0.001, 300) | st.integers(1, 300)
_schedules = st.builds(
    RetrySchedule,
    st.lists(st.timedeltas(timedelta(microseconds=1), timedelta(days=365)), min_size=1, max_size=8),
    jitter=st.floats(0, 0.99),
)
_endpoints = st.builds(
    WebhookEndpoint, _webhook_urls, _webhook_secrets, topics=_webhook_topics, timeout=_timeouts
)
_statuses_http = st.integers(100, 599)
_new_id = lambda: uuid.uuid4().hex  # noqa: E731 - an ids factory
_statuses = st.sampled_from(list(TicketStatus))
_counts = st.integers(0, 10**6)
_field_values = st.text(max_size=20) | st.integers(-(2**53), 2**53) | st.booleans()

_calendars = st.sampled_from(
    [
        BusinessCalendar.always(),
        BusinessCalendar.always("Europe/Berlin"),
        BusinessCalendar.weekly(
            tz="Europe/Berlin",
            hours={"mon-fri": ["09:00-17:00"]},
            holidays=[date(2026, 12, 25)],
        ),
    ]
)
_targets = st.builds(
    SlaTargets,
    first_response=st.none() | _durations,
    next_response=st.none() | _durations,
    resolution=st.none() | _durations,
)
_rules = st.builds(
    SlaRule,
    name=_names,
    targets=_targets,
    calendar=_calendars,
    priority=_labels,
    category=_labels,
    tier=_labels,
)
_header: Final = {
    "ticket_id": _ids,
    "version": st.integers(2, 10_000),
    "at": aware_datetimes(),
    "actor": actors(),
}


def _contracts(tiers: Mapping[str, str]) -> InMemoryContracts:
    # Deprecated (it warns); still fuzzed, as hosts still build it.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return InMemoryContracts(tiers)


_accounts = st.builds(
    Account,
    account_id=_names,
    tier=st.none() | _names,
    sla_tier=st.none() | _names,
    vip=st.booleans(),
    language=st.none() | st.sampled_from(["de", "pt-BR", "en"]),
)


def _event(**specific: st.SearchStrategy[Any]) -> st.SearchStrategy[Arguments]:
    return _keywords(**_header, **specific)


def _creation(ticket: Ticket, actor: Actor) -> Arguments:
    first = attrs.evolve(
        ticket, version=1, updated_at=ticket.created_at, reopen_count=0, resolution=None
    )
    return (), {
        "ticket_id": first.id,
        "version": 1,
        "at": first.created_at,
        "actor": actor,
        "ticket": first,
    }


def _change(ticket: Ticket, actor: Actor, outbox: list[OutboxMessage], due: object) -> Arguments:
    _, created = _creation(ticket, actor)
    return (), {
        "ticket": created["ticket"],
        "events": (TicketCreated(**created),),
        "expected_version": 0,
        "outbox": outbox,
        "due_at": due,
    }


_WORKFLOWS: Final[list[dict[str, Any]]] = [
    {
        "statuses": ["open", "done"],
        "edges": {"open": ["done"]},
        "initial": ["open"],
        "roles": {("open", "done"): [Role.AGENT, "supervisor"]},
        "checks": {("*", "done"): {"always": _passes}},
        "reopen": (),
        "name": "small",
    },
    {
        "statuses": ["new", "work", "done", "gone"],
        "edges": {"new": {"work"}, "work": ("done",), "done": ["work", "gone"], "gone": []},
        "initial": ("new",),
        "roles": None,
        "checks": None,
        "reopen": [("done", "work")],
        "name": "loop",
    },
]

_json_objects = st.dictionaries(
    _names,
    st.recursive(
        st.none() | _field_values,
        lambda inner: st.lists(inner, max_size=2) | st.dictionaries(_names, inner, max_size=2),
        max_leaves=4,
    ),
    max_size=3,
)
_messages = st.builds(
    OutboxMessage,
    id=_ids,
    topic=st.sampled_from(["ticket.created", "ticket.transitioned", "billing.credit"]),
    payload=_json_objects,
    ticket_id=st.none() | _ids,
    created_at=aware_datetimes(),
)
_credits = st.builds(
    ServiceCredit,
    ticket_id=_ids,
    ticket_number=st.integers(1, 10**6),
    requester=st.emails(),
    tier=_names,
    rule=_names,
    metric=st.sampled_from([m.value for m in SlaMetric]),
    cycle=st.integers(0, 5),
    due_at=aware_datetimes(),
    breached_at=aware_datetimes(),
)
_comments = st.builds(
    Comment,
    id=_names,
    author=actors(),
    body=_bodies,
    public=st.booleans(),
    at=aware_datetimes(),
)
_SOME_TICKETS: Final = tuple(
    Ticket(
        id=f"T{number}",
        number=number,
        subject="parcel late",
        requester=Requester("alice@example.com"),
        created_at=T0,
        updated_at=T0 + timedelta(minutes=number),
        status=status,
        priority="P1" if number % 2 else None,
        tags=frozenset({"vip"} if number % 3 else ()),
        fields=Fields({"order": number}),
        version=number,
    )
    for number, status in enumerate(TicketStatus, start=1)
)
_some_tickets = st.sampled_from(_SOME_TICKETS)
"""Tickets where a ticket is only an argument: cheaper to draw than ``tickets()``."""
_POLICY: Final = SlaPolicy.by_priority(
    {"P1": timedelta(hours=4), "P2": SlaTargets(first_response=timedelta(hours=1))},
    calendar=BusinessCalendar.always(),
)


def _fresh_sqlite_path() -> str:
    return str(SCRATCH / f"{uuid.uuid4().hex}.sqlite3")


def _fields_arguments(fields: Fields) -> Arguments:
    return (dict(fields),), {}


_EMAILS: Final = tuple(
    path.read_bytes() for path in sorted((Path(__file__).parent / "data" / "email").glob("*.eml"))
)
_raw_emails = st.sampled_from(_EMAILS)


def _email_fields(raw: bytes) -> Arguments:
    return (), attrs.asdict(parse_email(raw), recurse=False)


def _band_keys(subject: str, body: str) -> Arguments:
    return (), attrs.asdict(SimilaritySpec().keys(subject, body), recurse=False)


def _signatures(subject: str, other: str) -> Arguments:
    hasher = MinHasher()
    return (hasher.signature(shingles(subject)), hasher.signature(shingles(other))), {}


def _fresh_sink_directory() -> str:
    return str(SCRATCH / "sinks" / uuid.uuid4().hex)


_IDENTITY: Final = MailIdentity("support@desk.example", b"hostile-secret-0123456789abcdef")
_outcome_tickets = st.none() | _some_tickets
_outcomes = st.builds(
    lambda action, reason, ticket, similarity, record_id, message_id, problems: (
        (),
        {
            "action": action,
            "reason": reason,
            "ticket": ticket,
            "threaded_by": None if ticket is None else "header",
            "similarity": similarity,
            "duplicate_of": None if similarity is None else "T1",
            "record_id": record_id,
            "message_id": message_id,
            "problems": problems,
        },
    ),
    st.sampled_from(IntakeAction),
    _line,
    _outcome_tickets,
    st.none() | st.floats(0.0, 1.0),
    st.none() | _ids,
    st.none() | st.sampled_from(["<a@example.com>", "<tf.1.1.aaaaaaaaaaaaaaaa@x.example>"]),
    st.lists(st.builds(IntakeProblem, _line, _names, _line), max_size=2),
)


def _finding(subject: str, body: str) -> Arguments:
    index = NearDuplicateIndex()
    index.add("T1", subject, body)
    return (index, index.spec, index.spec.keys(subject, body)), {}


_TAXONOMY: Final = Taxonomy(
    [
        Category("delivery", "Delivery"),
        Category("delivery/late", "Late delivery"),
        Category("billing", "Billing"),
        Category("refund", "Refund", parent="billing"),
    ],
    retired={"delivery/delayed": "delivery/late"},
)
_codes = st.sampled_from(list(_TAXONOMY))
_keyword_lists = st.lists(st.sampled_from(["late", "lost parcel", "refund", "outage"]), min_size=1)
_category_rules = st.builds(
    CategoryRule,
    name=_names,
    category=_codes,
    weight=st.floats(0.1, 10),
    keywords=_keyword_lists,
    patterns=st.just(["late|lost", r"order\s+\d+"]),
    fields=st.just({"carrier": ["ACME", "Post"], "urgent": True}),
    domains=st.just(["example.com"]),
)
_needs = st.builds(Needs, skills_field=_labels, skill_tag_prefix=_labels, language_field=_labels)
_agents = st.builds(
    Agent,
    id=_names,
    queues=st.frozensets(_names, min_size=1, max_size=3),
    skills=st.frozensets(_names, max_size=3),
    languages=st.frozensets(st.sampled_from(["de", "en", "fr"]), max_size=2),
    capacity=st.integers(0, 20),
    available=st.booleans(),
    hours=st.none() | _calendars,
)
_route_contexts = st.builds(
    RouteContext,
    at=aware_datetimes(),
    agents=st.lists(_agents, max_size=4, unique_by=lambda agent: agent.id),
    loads=st.dictionaries(_names, st.integers(0, 30), max_size=3),
    queue=_labels,
)
_priority_decisions = st.builds(
    lambda impact, urgency: priority_policy(
        modifiers=[keyword_modifier(["parcel"], floor=2), vip_modifier(["alice@example.com"])]
    ).prioritize(attrs.evolve(_SOME_TICKETS[0], impact=impact, urgency=urgency)),
    _levels,
    _levels,
)
_floors = st.integers(1, 3)
_caps = st.none() | st.integers(3, 5)
_modifier_options: Final = frozenset({"steps", "floor", "cap", "name"})


# -- ticketflow.triage: replaying triage (valid journals: three tickets triaged, one not) ---------
def _replay_settings() -> dict[str, Any]:
    # A fresh round-robin cursor each time: a replay takes turns.
    route = [RouteRule(name="late", queue="carriers", categories=["delivery/late"])]
    return {
        "categorizer": rule_categorizer(
            _TAXONOMY, [CategoryRule(name="late", category="delivery/late", keywords=["late"])]
        ),
        "priority": priority_policy(modifiers=[keyword_modifier(["outage"])]),
        "router": chain_router(
            [rule_router(route), round_robin_router(InMemoryRoundRobinCursor())]
        ),
        "taxonomy": _TAXONOMY,
        "agents": [Agent(id="ann", queues=["carriers"]), Agent(id="bob", queues=["carriers"])],
    }


def _replay_journals() -> list[list[TicketEvent]]:
    clock = FrozenClock(T0)
    desk = Desk(InMemoryTicketStore(), clock=clock)
    triage = Triage(desk, **_replay_settings())
    journals = []
    for subject in ["parcel late", "outage", "late again", "hello"]:
        clock.advance(timedelta(minutes=1))
        ticket = desk.submit(
            NewTicket(subject=subject, requester=Requester("alice@example.com")),
            actor=Actor.customer("alice@example.com"),
        )
        if subject != "hello":  # one ticket stays untriaged
            triage.triage(ticket.id)
        journals.append(list(desk.history(ticket.id)))
    return journals


_REPLAY_JOURNALS: Final = _replay_journals()
_REPLAYS: Final = tuple(  # pages of a replay that changes decisions (no rule categorizes)
    replay_triage(
        _REPLAY_JOURNALS,
        **{**_replay_settings(), "categorizer": rule_categorizer(_TAXONOMY, [])},
        limit=3,
        offset=offset,
    )
    for offset in (0, 3, 9)
)
_REPLAY_TARGETS: Final = (
    Target(
        "TriageReplay",
        TriageReplay,
        _instances(st.sampled_from(_REPLAYS)),
        frozenset({"changes", "offset", "untriaged"}),
    ),
    Target(
        "ReplayTally",
        ReplayTally,
        _instances(st.sampled_from([t for r in _REPLAYS[:1] for t in (r.totals, *r.by_queue)])),
    ),
    Target(
        "ReplayChange",
        ReplayChange,
        _instances(st.sampled_from([c for r in _REPLAYS for c in r.changes])),
        frozenset({"overridden", "override"}),
    ),
)
_REPLAY_FUNCTION_TARGETS: Final = (
    Target(
        "replay_triage",
        replay_triage,
        st.builds(
            lambda settings, journals, at, limit, offset: (
                (journals,),
                {
                    **settings,
                    "at": at,
                    "workflow": DEFAULT_WORKFLOW,
                    "limit": limit,
                    "offset": offset,
                },
            ),
            st.builds(_replay_settings),
            st.lists(st.sampled_from(_REPLAY_JOURNALS), unique_by=id),
            st.none() | aware_datetimes(),
            st.integers(0, 10),
            st.integers(0, 10),
        ),
        frozenset({"agents", "at", "workflow", "limit", "offset"}),
    ),
)


# -- ticketflow.resolution ------------------------------------------------------------------------
def _ai_or_human(
    code: str, summary: str, root_cause: str | None, evidence: list[str], confidence: float | None
) -> Arguments:
    source = ResolutionSource.HUMAN if confidence is None else ResolutionSource.AI
    return (), {
        "code": code,
        "summary": summary,
        "root_cause": root_cause,
        "evidence": evidence,
        "source": source,
        "confidence": confidence,
    }


_resolution_arguments = st.builds(
    _ai_or_human,
    st.sampled_from(["fixed", "workaround", "nope"]) | _names,
    _bodies,
    st.none() | _line,
    st.lists(_line, max_size=3),
    st.none() | st.floats(0, 1),
)
_resolutions = _resolution_arguments.map(lambda arguments: Resolution(**arguments[1]))
_verdicts = st.builds(
    CriterionVerdict, criterion=_names, passed=st.booleans(), reason=_line | st.just("")
)


def _says_yes(_: DoneContext) -> bool:
    """A host's criterion that always passes."""
    return True


_CRITERIA: Final[tuple[Criterion, ...]] = (
    CodeInList(),
    CodeInList(["fixed"], name="strict_code"),
    RootCauseGiven(["network"]),
    ProblemLinked(min_reopens=2),
    EvidenceAttached(minimum=2),
    ChecklistDone(),
    HostCriterion("host", _says_yes),
)
_criteria_lists = st.lists(
    st.sampled_from(_CRITERIA), max_size=4, unique_by=lambda criterion: criterion.name
)
_criteria_keys = st.tuples(
    st.sampled_from([ANY, *(kind.value for kind in TicketKind)]),
    st.sampled_from([ANY, "network", "billing"]),
)
_done_criteria = st.builds(DoneCriteria.of, _criteria_lists) | st.builds(
    DoneCriteria, st.dictionaries(_criteria_keys, _criteria_lists, max_size=3)
)
_auto_closes = st.builds(
    AutoClose,
    business_days=st.integers(1, 365),
    calendar=st.none() | _calendars,
    name=_names,
)
_reply_rules = st.builds(
    ReplyRules,
    reopen_window=_durations,
    thanks=st.sampled_from([ThanksClassifier(), ThanksClassifier(["merci", "thanks a lot"])]),
)


def _resolution_journals() -> list[list[TicketEvent]]:
    # A ticket at work, one with an AI's suggestion pending, one resolved, one closed.
    clock = FrozenClock(T0)
    desk = Desk(InMemoryTicketStore(), clock=clock)
    agent = Actor.agent("ann")
    journals = []
    for stage in range(4):
        ticket = desk.submit(
            NewTicket(subject="parcel late", requester=Requester("alice@example.com")),
            actor=agent,
        )
        for status in ("triaged", "in_progress"):
            desk.transition(ticket.id, status, actor=agent)
        if stage == 1:
            ai = Resolution(code="fixed", summary="restarted", source="ai", confidence=0.2)
            desk.resolve(ticket.id, ai, actor=Actor.ai("bot"))
        if stage >= 2:
            desk.resolve(ticket.id, Resolution(code="fixed", summary="done"), actor=agent)
        if stage == 3:
            desk.confirm_resolution(ticket.id, actor=Actor.customer("alice@example.com"))
        journals.append(list(desk.history(ticket.id)))
    return journals


_RESOLUTION_JOURNALS: Final = _resolution_journals()
_RESOLUTION_TARGETS: Final = (
    Target("Resolution", Resolution, _resolution_arguments, frozenset({"root_cause", "evidence"})),
    Target("CriterionVerdict", CriterionVerdict, _instances(_verdicts), frozenset({"reason"})),
    Target(
        "ResolutionRecorded",
        ResolutionRecorded,
        _event(
            resolution=_resolutions,
            verdicts=st.lists(_verdicts, max_size=3),
            suggested=st.booleans(),
        ),
        frozenset({"verdicts", "suggested"}),
    ),
    Target(
        "SuggestionReviewed",
        SuggestionReviewed,
        _event(suggestion=st.integers(1, 10_000), accepted=st.booleans(), reason=st.none() | _line),
        frozenset({"reason"}),
    ),
    Target(
        "ResolutionAnswered",
        ResolutionAnswered,
        _event(
            answer=st.sampled_from(ResolutionAnswer),
            policy=st.none() | _names,
            comment=st.none() | _bodies,
        ),
        frozenset({"policy", "comment"}),
    ),
    Target(
        "CsatRecorded",
        CsatRecorded,
        _event(score=st.integers(1, 5), response_id=_names, comment=st.none() | _bodies),
        frozenset({"comment"}),
    ),
    Target(
        "CodeInList",
        CodeInList,
        _keywords(codes=st.frozensets(_names, min_size=1, max_size=4), name=_names),
        frozenset({"codes", "name"}),
    ),
    Target(
        "RootCauseGiven",
        RootCauseGiven,
        _keywords(categories=st.none() | st.frozensets(_names, max_size=3), name=_names),
        frozenset({"categories", "name"}),
    ),
    Target(
        "ProblemLinked",
        ProblemLinked,
        _keywords(
            recurring_tag=st.sampled_from(["recurring", "flaky-2"]),
            min_reopens=st.none() | st.integers(1, 1000),
            name=_names,
        ),
        frozenset({"recurring_tag", "min_reopens", "name"}),
    ),
    Target(
        "EvidenceAttached",
        EvidenceAttached,
        _keywords(minimum=st.integers(1, 32), name=_names),
        frozenset({"minimum", "name"}),
    ),
    Target(
        "ChecklistDone",
        ChecklistDone,
        _keywords(prefix=st.sampled_from(["checklist.", "todo_"]) | _names, name=_names),
        frozenset({"prefix", "name"}),
    ),
    Target(
        "HostCriterion",
        HostCriterion,
        _keywords(name=_names, predicate=st.just(_says_yes), reason=_line),
        frozenset({"reason"}),
    ),
    Target(
        "DoneContext",
        DoneContext,
        _keywords(
            ticket=_some_tickets,
            resolution=_resolutions,
            history=st.sampled_from([tuple, lambda: _RESOLUTION_JOURNALS[0]]),
        ),
    ),
    Target(
        "DoneCriteria",
        DoneCriteria,
        _keywords(criteria=st.dictionaries(_criteria_keys, _criteria_lists, max_size=3)),
        frozenset({"criteria"}),
    ),
    Target(
        "DoneCriteria.of",
        DoneCriteria.of,
        _keywords(criteria=_criteria_lists),
        frozenset(),
    ),
    Target(
        "DoneCriteria.default",
        DoneCriteria.default,
        _keywords(codes=st.lists(_names, min_size=1, max_size=4)),
        frozenset({"codes"}),
    ),
    Target(
        "AutoClose",
        AutoClose,
        _instances(_auto_closes),
        frozenset({"business_days", "calendar", "name"}),
    ),
    Target(
        "ThanksClassifier",
        ThanksClassifier,
        _keywords(
            phrases=st.lists(_line, min_size=1, max_size=4).filter(
                lambda phrases: all(any(c.isalpha() for c in p) for p in phrases)
            )
        ),
        frozenset({"phrases"}),
    ),
    Target(
        "ReplyRules",
        ReplyRules,
        _instances(_reply_rules),
        frozenset({"reopen_window", "thanks", "waiting", "working", "resolved"}),
    ),
    Target(
        "ReplyOutcome",
        ReplyOutcome,
        _keywords(
            action=st.sampled_from(ReplyAction),
            ticket=_some_tickets,
            follow_up=st.none() | _some_tickets,
        ),
        frozenset({"follow_up"}),
    ),
    Target(
        "ResolutionPolicy",
        ResolutionPolicy,
        _keywords(
            criteria=_done_criteria,
            ai_threshold=st.none() | st.floats(0.01, 1),
            auto_close=st.none() | _auto_closes,
            csat=st.sampled_from([*CsatTrigger, *(t.value for t in CsatTrigger)]),
            replies=_reply_rules,
            closed=st.just("closed"),
        ),
        frozenset({"criteria", "ai_threshold", "auto_close", "csat", "replies", "closed"}),
    ),
)
_RESOLUTION_FUNCTION_TARGETS: Final = (
    Target(
        "business_days_after",
        business_days_after,
        _keywords(calendar=_calendars, at=aware_datetimes(), days=st.integers(1, 30)),
    ),
    Target(
        "pending_suggestion",
        pending_suggestion,
        st.sampled_from(_RESOLUTION_JOURNALS).map(lambda journal: ((journal,), {})),
    ),
)

# -- the event feed: FeedCursor, FeedCursor.parse, FeedEntry, FeedPage ----------------------
_feed_stores = st.from_regex(r"[A-Za-z0-9_-]{1,64}", fullmatch=True)
_feed_positions = st.lists(st.integers(0, 2**63 - 1), min_size=1, max_size=4).map(tuple)
_feed_cursors = st.builds(FeedCursor, _feed_stores, _feed_positions)
_feed_events = histories(max_events=3).map(lambda journal: journal[-1])


def _feed_page(entries: list[FeedEntry], empty: FeedCursor) -> Arguments:
    # A page's cursor is its last entry's; an empty page's is any cursor.
    return (), {"entries": entries, "cursor": entries[-1].cursor if entries else empty}


_FEED_TARGETS: Final = (
    Target("FeedCursor", FeedCursor, _keywords(store=_feed_stores, position=_feed_positions)),
    Target(
        "FeedCursor.parse",
        FeedCursor.parse,
        _feed_cursors.map(lambda cursor: ((cursor.text,), {})),
    ),
    Target("FeedEntry", FeedEntry, _keywords(event=_feed_events, cursor=_feed_cursors)),
    Target(
        "FeedPage",
        FeedPage,
        st.builds(
            _feed_page,
            st.lists(st.builds(FeedEntry, _feed_events, _feed_cursors), max_size=3),
            _feed_cursors,
        ),
    ),
)
# -- end of the event feed ---------------------------------------------------------------------

# -- ticketflow.problems: the problem events, policy, criterion, state and service -------------
_PROBLEM_POLICY: Final = ProblemPolicy(quiet_period=timedelta(days=7), name="seven_days")
_problem_requesters = st.sampled_from(
    [Requester("ops@example.com", external=False), Requester("pm@desk.example", external=False)]
)
_problem_policies = st.builds(
    ProblemPolicy,
    quiet_period=st.none() | st.timedeltas(timedelta(minutes=1), timedelta(days=366)),
    name=_names,
    known_error_field=_names,
    requester=_problem_requesters,
    actor=st.sampled_from([Actor.system("problems"), Actor.agent("bob")]),
)


def _problem_desk() -> Desk:
    return Desk(InMemoryTicketStore(), due=[quiet_period_check(_PROBLEM_POLICY)])


def _problem_journals() -> tuple[list[list[TicketEvent]], list[Ticket]]:
    # A problem just opened; one with findings and a fix in its quiet period; one verified
    # explicitly and resolved, its incidents with it; one whose incident was moved away.
    clock = FrozenClock(T0)
    desk = Desk(InMemoryTicketStore(), clock=clock, due=[quiet_period_check(_PROBLEM_POLICY)])
    problems = Problems(desk, policy=_PROBLEM_POLICY)
    agent = Actor.agent("ann")

    def incident() -> str:
        draft = NewTicket(subject="parcel late", requester=Requester("alice@example.com"))
        ticket = desk.submit(draft, actor=agent)
        for status in ("triaged", "in_progress"):
            desk.transition(ticket.id, status, actor=agent)
        return ticket.id

    opened = [problems.open([incident(), incident()], subject="hub", actor=agent) for _ in range(4)]
    for problem in opened[1:3]:
        problems.record_root_cause(problem.id, "scanner firmware", actor=agent)
        problems.record_workaround(problem.id, "re-scan by hand", actor=agent)
        problems.record_fix(problem.id, "firmware 2.1", actor=agent)
    clock.advance(timedelta(days=1))
    problems.link(opened[1].id, incident(), actor=agent)
    for status in ("triaged", "in_progress"):
        desk.transition(opened[2].id, status, actor=agent)
    problems.verify(opened[2].id, ["canary green"], actor=agent)
    done = Resolution(code="fixed", summary="firmware")
    problems.resolve(opened[2].id, done, actor=agent, incidents=done)
    moved = problems.state(opened[3].id).incidents[0]
    problems.link(opened[0].id, moved, actor=agent)
    return [list(desk.history(p.id)) for p in opened], [desk.get(p.id) for p in opened]


_PROBLEM_JOURNALS, _PROBLEMS = _problem_journals()
_problem_states = st.sampled_from([problem_state(j) for j in _PROBLEM_JOURNALS])
_failed_verdicts = st.builds(
    CriterionVerdict, criterion=_names, passed=st.just(value=False), reason=_line
)
_incident_outcomes = st.builds(
    IncidentOutcome,
    incident=_ids,
    result=st.sampled_from(IncidentResult),
    reason=st.just("") | _line,
    failures=st.lists(_failed_verdicts, max_size=2).map(tuple),
)
_PROBLEM_TARGETS: Final = (
    Target(
        "IncidentLinkChanged",
        IncidentLinkChanged,
        _event(incident=_names, linked=st.booleans()),
    ),
    Target(
        "ProblemUpdated",
        ProblemUpdated,
        _event(
            aspect=st.sampled_from([*ProblemAspect, *(a.value for a in ProblemAspect)]),
            text=_bodies,
        ),
    ),
    Target(
        "FixVerified",
        FixVerified,
        _event(
            method=st.sampled_from(VerificationMethod),
            fix=st.integers(1, 10_000),
            evidence=st.lists(_line, max_size=3),
            policy=st.none() | _names,
        ),
        frozenset({"evidence", "policy"}),
    ),
    Target(
        "ProblemPolicy",
        ProblemPolicy,
        _instances(_problem_policies),
        frozenset({"quiet_period", "name", "known_error_field", "requester", "actor"}),
    ),
    Target(
        "VerifiedFix",
        VerifiedFix,
        _keywords(policy=_problem_policies, name=_names),
        frozenset({"policy", "name"}),
    ),
    Target(
        "ProblemState",
        ProblemState,
        _instances(_problem_states),
        frozenset(
            {
                "incidents",
                "root_cause",
                "workaround",
                "fix",
                "fix_version",
                "fixed_at",
                "recurred_at",
                "verification",
            }
        ),
    ),
    Target(
        "IncidentOutcome",
        IncidentOutcome,
        _instances(_incident_outcomes),
        frozenset({"reason", "failures"}),
    ),
    Target(
        "ProblemResolution",
        ProblemResolution,
        _keywords(
            problem=st.sampled_from(_PROBLEMS),
            incidents=st.lists(_incident_outcomes, max_size=3),
        ),
        frozenset({"incidents"}),
    ),
    Target(
        "Problems",
        Problems,
        _keywords(desk=st.builds(_problem_desk), policy=st.just(_PROBLEM_POLICY)),
        frozenset({"policy"}),
    ),
)
_PROBLEM_FUNCTION_TARGETS: Final = (
    Target(
        "problem_state",
        problem_state,
        st.sampled_from(_PROBLEM_JOURNALS).map(lambda journal: ((journal,), {})),
    ),
    Target(
        "quiet_period_check",
        quiet_period_check,
        _keywords(policy=_problem_policies.filter(lambda p: p.quiet_period is not None)),
    ),
)
# -- ticketflow.problems: the recurring-cause detector, its suggestions and dismissals -----------
_detector_policies = st.builds(
    DetectorPolicy,
    fields=st.lists(_names, min_size=1, max_size=3, unique=True).map(tuple),
    categories=st.booleans(),
    similarity=st.none() | st.just(SimilaritySpec()),
    window=st.timedeltas(timedelta(hours=1), timedelta(days=60)),
    baseline=st.timedeltas(timedelta(days=60), timedelta(days=3000)),
    min_count=st.integers(1, 1000),
    min_ratio=st.floats(1.0, 1000.0),
    significance=st.floats(1e-12, 0.5),
    regrowth=st.integers(1, 1000),
)
# A group of each kind: a category and a field's value, a category alone, a band key alone.
_detector_groups = st.one_of(
    st.fixed_dictionaries({"category": _names, "field": _names, "value": _field_values}),
    st.fixed_dictionaries({"category": _names, "field": st.none(), "value": st.none()}),
    st.fixed_dictionaries({"category": st.none(), "field": st.none(), "value": _names}),
)
_suggestions = st.builds(
    lambda group, **rest: ProblemSuggestion(**group, **rest),
    _detector_groups,
    incidents=st.lists(_ids, min_size=1, max_size=4, unique=True).map(tuple),
    baseline_count=st.integers(0, 10_000),
    baseline_start=st.just(T0 - timedelta(days=104)),
    window_start=st.just(T0 - timedelta(days=14)),
    as_of=st.just(T0),
)
_dismissals = st.builds(
    lambda group, **rest: Dismissal(**group, **rest),
    _detector_groups,
    count=st.integers(1, 10_000),
    at=st.just(T0),
    actor=_names,
    reason=st.just("") | _line,
)
_DETECTOR_TARGETS: Final = (
    Target(
        "DetectorPolicy",
        DetectorPolicy,
        _instances(_detector_policies),
        frozenset(
            {
                "fields",
                "categories",
                "similarity",
                "window",
                "baseline",
                "min_count",
                "min_ratio",
                "significance",
                "regrowth",
            }
        ),
    ),
    Target("ProblemSuggestion", ProblemSuggestion, _instances(_suggestions)),
    Target("Dismissal", Dismissal, _instances(_dismissals), frozenset({"reason"})),
    Target(
        "InMemoryDismissals",
        InMemoryDismissals,
        _keywords(dismissals=st.lists(_dismissals, max_size=3)),
        frozenset({"dismissals"}),
    ),
    Target(
        "RecurrenceDetector",
        RecurrenceDetector,
        _keywords(
            problems=st.builds(lambda: Problems(_problem_desk(), policy=_PROBLEM_POLICY)),
            policy=_detector_policies,
            dismissals=st.builds(InMemoryDismissals),
        ),
        frozenset({"policy", "dismissals"}),
    ),
)
# -- end of ticketflow.problems ----------------------------------------------------------------


# -- analytics ---------------------------------------------------------------------------------
_group_values: st.SearchStrategy[FieldValue | None] = st.one_of(
    st.none(),
    _names,
    st.integers(-(2**63), 2**63 - 1),
    st.booleans(),
    st.floats(allow_nan=False, allow_infinity=False),
)
_spans: st.SearchStrategy[timedelta | None] = st.none() | st.timedeltas(
    min_value=timedelta(0), max_value=timedelta(days=3650)
)


@st.composite
def _metric_rows(draw: st.DrawFn) -> MetricRow:
    count = draw(st.integers(0, 10**6))
    return MetricRow(
        group=draw(_group_values),
        period=draw(st.none() | st.dates()),
        count=count,
        hits=draw(st.none() | st.integers(0, count)),
        value=draw(st.none() | st.floats(0, 5)),
        median=draw(_spans),
        p90=draw(_spans),
        total=draw(_spans),
    )


@st.composite
def _drivers(draw: st.DrawFn) -> Driver:
    count = draw(st.integers(1, 10**6))
    hits = draw(st.integers(0, count))
    rate = hits / count
    low = draw(st.floats(0, rate))
    high = draw(st.floats(rate, 1))
    return Driver(
        draw(_group_values), count, hits, rate, low, high, draw(st.none() | st.floats(0, 10))
    )


def _analytics_snapshot() -> tuple[InMemoryTicketStore, str]:
    """A store with two tickets, one answered, and the snapshot of analytics that read it."""
    store = InMemoryTicketStore()
    desk = Desk(store, clock=FrozenClock(T0))
    draft = NewTicket(subject="Parcel late", requester=Requester("ann@example.com"))
    ticket = desk.submit(draft, actor=Actor.customer("ann@example.com"))
    desk.submit(draft, actor=Actor.customer("ann@example.com"))
    desk.comment(ticket.id, "On it.", actor=Actor.agent("bob"))
    analytics = Analytics(store)
    analytics.refresh()
    return store, analytics.snapshot()


_SNAPSHOT_STORE, _SNAPSHOT = _analytics_snapshot()
_READ = Analytics(_SNAPSHOT_STORE)
_READ.refresh()

_cells: st.SearchStrategy[Any] = st.one_of(
    st.none(), _line, st.integers(), st.floats(allow_nan=False, allow_infinity=False)
)


@st.composite
def _report_tables(draw: st.DrawFn, name: str = "t") -> ReportTable:
    columns = draw(st.lists(_names, min_size=1, max_size=4, unique=True))
    rows = draw(st.lists(st.tuples(*[_cells for _ in columns]), max_size=3))
    return ReportTable(name, draw(_line), columns, rows)


_ANALYTICS_TARGETS: Final = (
    Target(
        "Analytics",
        Analytics,
        st.builds(
            lambda calendar, workflow, resolved, tz, pauses: (
                (InMemoryTicketStore(),),
                {
                    "calendar": calendar,
                    "workflow": workflow,
                    "resolved": resolved,
                    "tz": tz,
                    "pauses": pauses,
                },
            ),
            st.none() | st.just(BusinessCalendar.always("Europe/Berlin")),
            st.none() | st.just(Workflow.default()),
            st.lists(_names, max_size=3),
            st.none() | st.sampled_from(["UTC", "Europe/Berlin", "Asia/Tokyo"]),
            st.dictionaries(st.sampled_from(list(SlaMetric)), st.lists(_names, max_size=2)),
        ),
        frozenset({"calendar", "workflow", "resolved", "tz", "pauses"}),
    ),
    Target(
        "Analytics.from_snapshot",
        Analytics.from_snapshot,
        st.builds(
            lambda text, tz: ((_SNAPSHOT_STORE, text), {"tz": tz}),
            st.sampled_from([_SNAPSHOT, _SNAPSHOT.encode()]),
            st.none() | st.just("UTC"),
        ),
        frozenset({"tz"}),
    ),
    Target("MetricRow", MetricRow, _instances(_metric_rows())),
    Target(
        "MetricTable",
        MetricTable,
        _keywords(
            metric=st.sampled_from(["volume", "backlog", "csat"]),
            by=st.none() | _names,
            period=st.none() | st.sampled_from(["day", "week", "month"]),
            rows=st.lists(_metric_rows(), max_size=3),
            total=_metric_rows(),
        ),
    ),
    Target("Driver", Driver, _instances(_drivers())),
    Target("ReportTable", ReportTable, _instances(_report_tables())),
    Target(
        "Report",
        Report,
        _keywords(
            as_of=st.none() | st.just(T0),
            since=st.none() | st.dates(),
            by=_names,
            tables=st.tuples(_report_tables("a"), _report_tables("b")),
        ),
    ),
    Target(
        "Report.build",
        Report.build,
        st.builds(
            lambda by, since, outcome, least, statuses: (
                (_READ,),
                {
                    "by": by,
                    "since": since,
                    "outcome": outcome,
                    "min_count": least,
                    "statuses": statuses,
                    "progress": None,
                },
            ),
            _names,
            st.none() | st.dates(),
            st.sampled_from(["sla_breach", "reopen"]),
            st.integers(1, 100),
            st.none() | st.lists(_names, max_size=3),
        ),
        frozenset({"by", "since", "outcome", "min_count", "statuses", "progress"}),
    ),
    Target(
        "DriverTable",
        DriverTable,
        _keywords(
            outcome=st.sampled_from(["sla_breach", "reopen"]),
            by=_names,
            min_count=st.integers(1, 10**6),
            overall=st.none() | _drivers(),
            ranked=st.lists(_drivers(), max_size=3),
            too_few=st.lists(_drivers(), max_size=3),
        ),
    ),
)
# -- end of analytics ----------------------------------------------------------------------------


TARGETS: Final[tuple[Target, ...]] = (
    Target(
        "Attachment",
        Attachment,
        _keywords(
            name=st.none() | _names,
            content_type=st.sampled_from(["application/pdf", "image/png"]),
            size=st.integers(0, 10**9),
            sha256=st.text("0123456789abcdef", min_size=64, max_size=64),
        ),
    ),
    Target("EmailLimits", EmailLimits, st.just(((), {}))),
    Target(
        "FormSpec",
        FormSpec,
        _keywords(
            categories=st.frozensets(_names, min_size=1, max_size=3),
            require_category=st.booleans(),
            priorities=st.frozensets(st.sampled_from(["P1", "P2", "P3"])),
            impact_urgency=st.booleans(),
            max_tags=st.integers(0, 5),
            max_fields=st.integers(0, 32),
        ),
        frozenset(
            {
                "priorities",
                "impact_urgency",
                "max_tags",
                "max_fields",
            }
        ),
    ),
    Target("InboundEmail", InboundEmail, _raw_emails.map(_email_fields)),
    Target(
        "MinHasher",
        MinHasher,
        _keywords(num_perm=st.integers(16, 512), seed=st.integers(0, 2**64 - 1)),
        frozenset({"num_perm", "seed"}),
    ),
    Target(
        "NearDuplicate",
        NearDuplicate,
        _keywords(ticket_id=_ids, similarity=st.floats(0.0, 1.0)),
    ),
    Target(
        "NearDuplicateIndex",
        NearDuplicateIndex,
        _keywords(spec=st.none() | st.just(SimilaritySpec())),
        frozenset({"spec"}),
    ),
    Target(
        "SimilarityKeys",
        SimilarityKeys,
        st.builds(_band_keys, _line, _bodies),
    ),
    Target(
        "SimilaritySpec",
        SimilaritySpec,
        _keywords(
            threshold=st.floats(0.5, 0.95),
            num_perm=st.sampled_from([16, 64, 128]),
            shingle_size=st.integers(1, 16),
            seed=st.integers(0, 2**64 - 1),
        ),
        frozenset({"threshold", "num_perm", "shingle_size", "seed"}),
    ),
    Target("IntakeProblem", IntakeProblem, _keywords(path=_line, code=_names, message=_line)),
    Target(
        "Intake",
        Intake,
        _keywords(
            desk=st.builds(lambda: Desk(InMemoryTicketStore())),
            identity=st.just(_IDENTITY),
            attachments=st.builds(InMemoryAttachmentSink),
            limits=st.just(EmailLimits()),
            similarity=st.none() | st.just(SimilaritySpec()),
            near_duplicates=st.sampled_from([*NearDuplicateAction, "link", "append"]),
            actor=st.sampled_from([Actor.system("intake"), Actor.agent("bob")]),
            ids=st.just(_new_id),
        ),
        frozenset({"limits", "similarity", "near_duplicates", "actor", "ids"}),
    ),
    Target("IntakeOutcome", IntakeOutcome, _outcomes),
    Target(
        "MailIdentity",
        MailIdentity,
        _keywords(
            address=st.sampled_from(["support@desk.example", "help@example.com", "a@b"]),
            secret=st.binary(min_size=16, max_size=64),
        ),
    ),
    Target("InMemoryAttachmentSink", InMemoryAttachmentSink, st.just(((), {}))),
    Target(
        "DirectoryAttachmentSink",
        DirectoryAttachmentSink,
        _keywords(directory=st.builds(_fresh_sink_directory)),
    ),
    Target(
        "MailAddress",
        MailAddress,
        _keywords(address=st.emails(), name=st.none() | _line),
        frozenset({"name"}),
    ),
    # -- ticketflow ---------------------------------------------------------------------------
    Target("Actor", Actor, _instances(actors())),
    *(
        Target(
            f"Actor.{role.value}",
            getattr(Actor, role.value),
            _keywords(id=st.emails() if role is Role.CUSTOMER else _names),
        )
        for role in Role
    ),
    Target(
        "CheckResult",
        CheckResult,
        st.sampled_from(
            [((), {"passed": True, "reason": ""}), ((), {"passed": False, "reason": "why"})]
        ),
        frozenset({"reason"}),
    ),
    Target("CheckResult.ok", CheckResult.ok, st.just(((), {}))),
    Target("CheckResult.fail", CheckResult.fail, _keywords(reason=_line)),
    Target("Comment", Comment, _instances(_comments)),
    Target(
        "CommentAdded",
        CommentAdded,
        _event(comment_id=_names, body=_bodies, public=st.booleans()),
    ),
    Target(
        "Desk",
        Desk,
        _keywords(
            store=st.builds(InMemoryTicketStore),
            workflow=st.just(DEFAULT_WORKFLOW),
            clock=st.none() | st.builds(FrozenClock, st.just(T0)),
            ids=st.just(_new_id),
            internal_fields=st.frozensets(_names, max_size=2),
            customer_fields=st.lists(_names, max_size=2),
            roles=st.none() | st.just({"assign": [Role.AGENT, "supervisor"]}),
            sla=st.none() | st.just(_POLICY),
            due=st.just(()),
            max_clock_skew=st.timedeltas(timedelta(0), timedelta(hours=1)),
        ),
        frozenset(
            {
                "workflow",
                "clock",
                "ids",
                "internal_fields",
                "customer_fields",
                "roles",
                "sla",
                "due",
                "max_clock_skew",
            }
        ),
    ),
    Target(
        "Draft",
        Draft,
        st.builds(
            lambda ticket, actor: (
                (ticket,),
                {
                    "actor": actor,
                    "at": ticket.updated_at,
                    "workflow": DEFAULT_WORKFLOW,
                    "ids": _new_id,
                    "history": tuple,
                    "before": None,
                    "events": (),
                },
            ),
            _some_tickets,
            actors(),
        ),
        frozenset({"before", "events"}),
    ),
    Target("Fields", Fields, field_maps().map(_fields_arguments)),
    Target("Fields.coerce", Fields.coerce, _keywords(value=st.none() | field_maps().map(dict))),
    Target(
        "FieldsChanged",
        FieldsChanged,
        _event(changes=st.dictionaries(_names, st.none() | _field_values, min_size=1, max_size=3)),
    ),
    Target(
        "Move",
        Move,
        _keywords(
            ticket=_some_tickets,
            source=_statuses,
            target=_statuses,
            actor=actors(),
            at=aware_datetimes(),
            reason=st.none() | _line,
        ),
    ),
    Target("NewTicket", NewTicket, _instances(new_tickets())),
    Target("Requester", Requester, _instances(requesters()), frozenset({"name", "external"})),
    Target("SystemClock", SystemClock, st.just(((), {}))),
    Target(
        "TickReport",
        TickReport,
        _keywords(
            tickets=_counts,
            recorded=st.dictionaries(st.sampled_from(["sla_warned", "sla_breached"]), _counts),
            failures=st.lists(st.tuples(_ids, _line), max_size=2),
        ),
        frozenset({"recorded", "failures"}),
    ),
    Target(
        "Ticket",
        Ticket,
        _instances(tickets()),
        frozenset(
            {
                "status",
                "kind",
                "description",
                "channel",
                "category",
                "priority",
                "impact",
                "urgency",
                "queue",
                "assignee",
                "tags",
                "fields",
                "links",
                "reopen_count",
                "resolution",
                "version",
            }
        ),
    ),
    Target("TicketAssigned", TicketAssigned, _event(queue=_labels, assignee=_labels)),
    Target("TicketCategorized", TicketCategorized, _event(category=_labels)),
    Target("TicketCreated", TicketCreated, st.builds(_creation, tickets(), actors())),
    Target("TicketLinked", TicketLinked, _event(link=st.sampled_from(LinkKind), target=_labels)),
    Target(
        "TicketLinks",
        TicketLinks,
        _keywords(duplicate_of=_labels, problem=_labels, follow_up_of=_labels),
        frozenset({"duplicate_of", "problem", "follow_up_of"}),
    ),
    Target(
        "TicketPrioritized",
        TicketPrioritized,
        _event(priority=_labels, impact=_levels, urgency=_levels),
    ),
    Target(
        "TicketTagged",
        TicketTagged,
        _event(added=_tag_sets.filter(bool), removed=st.just(frozenset())),
        frozenset({"removed"}),
    ),
    Target(
        "TicketTransitioned",
        TicketTransitioned,
        _event(
            source=_statuses,
            target=_statuses,
            reason=st.none() | _line,
            reopen=st.booleans(),
        ),
        frozenset({"reason", "reopen"}),
    ),
    Target(
        "TicketView",
        TicketView,
        _keywords(ticket=_some_tickets, comments=st.lists(_comments, max_size=2)),
    ),
    Target(
        "DecisionExplained",
        DecisionExplained,
        _event(
            decision=st.sampled_from(["category", "priority", "route"]),
            outcome=st.none() | _line,
            reasons=st.lists(_line, max_size=3).map(tuple),
            overridden=st.booleans(),
        ),
        frozenset({"outcome", "reasons", "overridden"}),
    ),
    Target(
        "SlaBreached",
        SlaBreached,
        _event(
            metric=st.sampled_from(SlaMetric),
            cycle=st.integers(0, 5),
            due_at=aware_datetimes(),
        ),
    ),
    Target(
        "SlaWarned",
        SlaWarned,
        _event(
            metric=st.sampled_from(SlaMetric),
            cycle=st.integers(0, 5),
            threshold=st.sampled_from([0.5, 0.75, 0.9]),
            due_at=aware_datetimes(),
        ),
    ),
    Target(
        "Workflow",
        Workflow,
        st.sampled_from(_WORKFLOWS).map(lambda kwargs: ((), dict(kwargs))),
        frozenset({"roles", "checks", "reopen", "name"}),
    ),
    Target(
        "Workflow.default",
        Workflow.default,
        _keywords(
            roles=st.none() | st.just({("*", "closed"): ["agent"], ("new", "triaged"): []}),
            checks=st.none() | st.just({("*", "*"): {"ok": _passes}}),
        ),
        frozenset({"roles", "checks"}),
    ),
    # -- ticketflow.sla -----------------------------------------------------------------------
    Target("Assignment", Assignment, _keywords(queue=_labels, assignee=_labels)),
    Target("BusinessCalendar", BusinessCalendar, _instances(_calendars)),
    Target(
        "BusinessCalendar.always",
        BusinessCalendar.always,
        _keywords(tz=st.sampled_from(["UTC", "Europe/Berlin", _BERLIN])),
        frozenset({"tz"}),
    ),
    Target(
        "BusinessCalendar.weekly",
        BusinessCalendar.weekly,
        _keywords(
            tz=st.sampled_from(["UTC", "Europe/Berlin", "America/New_York", _BERLIN]),
            hours=st.sampled_from(
                [
                    {"mon-fri": ["09:00-17:00"]},
                    {"mon": ["08:00-12:00", "13:00-17:00"], "sat": ["10:00-14:00"]},
                    {"mon-sun": ["00:00-24:00"]},
                ]
            ),
            holidays=st.lists(st.dates(date(2020, 1, 1), date(2030, 1, 1)), max_size=3),
            closures=st.lists(
                st.builds(
                    Closure, st.dates(date(2020, 1, 1), date(2030, 1, 1)), st.just("12:00-13:00")
                ),
                max_size=2,
            ),
            openings=st.lists(
                st.builds(
                    Opening, st.dates(date(2020, 1, 1), date(2030, 1, 1)), st.just("10:00-11:00")
                ),
                max_size=2,
            ),
        ),
        frozenset({"holidays", "closures", "openings"}),
    ),
    Target(
        "ClockReading",
        ClockReading,
        _keywords(
            metric=st.sampled_from(SlaMetric),
            cycle=st.integers(0, 5),
            state=st.sampled_from(ClockState),
            target=_durations,
            started_at=aware_datetimes(),
            elapsed=st.timedeltas(timedelta(0), timedelta(days=3)),
            remaining=st.timedeltas(timedelta(days=-3), timedelta(days=3)),
            deadline=st.none() | aware_datetimes(),
            breached=st.booleans(),
            met_at=st.none() | aware_datetimes(),
        ),
    ),
    Target(
        "Closure",
        Closure,
        _keywords(day=st.dates(), hours=st.sampled_from(["09:00-12:00", "00:00-24:00"])),
    ),
    Target(
        "EscalationStep",
        EscalationStep,
        _keywords(priority=_labels, queue=_labels, assignee=_labels),
        frozenset({"priority", "queue", "assignee"}),
    ),
    Target(
        "Opening",
        Opening,
        _keywords(day=st.dates(), hours=st.sampled_from(["09:00-12:00", "20:00-23:00"])),
    ),
    Target(
        "SlaAlert",
        SlaAlert,
        _keywords(
            metric=st.sampled_from(SlaMetric),
            cycle=st.integers(0, 5),
            threshold=st.none() | st.sampled_from([0.5, 0.75, 0.9]),
            due_at=aware_datetimes(),
            live=st.booleans(),
        ),
        frozenset({"live"}),
    ),
    Target(
        "SlaPolicy",
        SlaPolicy,
        st.builds(
            lambda rules, options: ((rules,), options),
            st.lists(_rules, min_size=1, max_size=3, unique_by=lambda rule: rule.name),
            st.fixed_dictionaries(
                {},
                optional={
                    "contracts": st.builds(
                        _contracts, st.dictionaries(st.emails(), _names, max_size=2)
                    ),
                    "pauses": st.just({SlaMetric.RESOLUTION: ["pending_customer"]}),
                    "stopped": st.just(["resolved", "closed"]),
                    "warn_at": st.lists(st.sampled_from([0.5, 0.75, 0.9]), max_size=3),
                    "escalations": st.just(()),
                },
            ),
        ),
    ),
    Target(
        "SlaPolicy.by_priority",
        SlaPolicy.by_priority,
        _keywords(
            targets=st.dictionaries(_names, _durations | _targets, min_size=1, max_size=3),
            calendar=_calendars,
        ),
    ),
    Target(
        "SlaRule",
        SlaRule,
        _instances(_rules),
        frozenset({"priority", "category", "tier"}),
    ),
    Target(
        "SlaState",
        SlaState,
        _keywords(
            as_of=aware_datetimes(),
            rule=st.none() | _rules,
            clocks=st.just(()),
            alerts_due=st.just(()),
            next_due_at=st.none() | aware_datetimes(),
        ),
    ),
    Target(
        "SlaTargets",
        SlaTargets,
        _instances(_targets),
        frozenset({"first_response", "next_response", "resolution"}),
    ),
    # -- ticketflow.triage --------------------------------------------------------------------
    *_REPLAY_TARGETS,
    *_RESOLUTION_TARGETS,
    *_PROBLEM_TARGETS,
    *_DETECTOR_TARGETS,
    Target(
        "Agent",
        Agent,
        _instances(_agents),
        frozenset({"skills", "languages", "capacity", "available", "hours"}),
    ),
    Target(
        "Category",
        Category,
        _keywords(
            code=st.sampled_from(["delivery", "refund", "a/b-c/d_1"]), label=_line, parent=st.none()
        ),
        frozenset({"parent"}),
    ),
    Target(
        "CategoryDecision",
        CategoryDecision,
        _keywords(
            category=_codes | st.just(UNCATEGORIZED),
            confidence=st.floats(0.0, 1.0),
            rules=st.lists(_names, max_size=3),
            reason=_line,
        ),
    ),
    Target(
        "CategoryRule",
        CategoryRule,
        _instances(_category_rules),
        frozenset({"weight", "keywords", "patterns", "fields", "domains"}),
    ),
    Target("InMemoryRoundRobinCursor", InMemoryRoundRobinCursor, st.just(((), {}))),
    Target(
        "StoreRoundRobinCursor",
        StoreRoundRobinCursor,
        _keywords(store=st.builds(InMemoryTicketStore)),
    ),
    Target(
        "Triage",
        Triage,
        _keywords(
            desk=st.builds(lambda: Desk(InMemoryTicketStore())),
            categorizer=st.just(rule_categorizer(_TAXONOMY, [])),
            priority=st.just(priority_policy()),
            router=st.just(round_robin_router(InMemoryRoundRobinCursor())),
            taxonomy=st.just(_TAXONOMY),
            agents=st.lists(_agents, max_size=3, unique_by=lambda agent: agent.id),
            loads=st.none() | st.just(lambda _roster: {}),
            crm=st.none() | st.just(InMemoryCrm({})),
            actor=st.sampled_from([Actor.system("triage"), Actor.agent("bob")]),
        ),
        frozenset({"agents", "loads", "crm", "actor"}),
    ),
    Target(
        "TriagePlan",
        TriagePlan,
        st.builds(
            lambda category, priority, route, crm: ((category, priority, route, crm), {}),
            st.builds(
                CategoryDecision,
                category=_codes,
                confidence=st.floats(0.0, 1.0),
                rules=st.lists(_names, max_size=2),
                reason=_line,
            ),
            _priority_decisions,
            st.builds(RouteDecision, queue=_labels, assignee=_labels, reason=_line),
            st.none() | _line,
        ),
    ),
    Target(
        "Needs",
        Needs,
        _instances(_needs),
        frozenset({"skills_field", "skill_tag_prefix", "language_field"}),
    ),
    Target(
        "PriorityDecision",
        PriorityDecision,
        _instances(_priority_decisions),
        frozenset({"assumed", "steps"}),
    ),
    Target(
        "PriorityMatrix",
        PriorityMatrix,
        _keywords(
            cells=st.just(DEFAULT_MATRIX.cells) | st.just([[1] * 5] * 4 + [[1, 2, 3, 4, 5]]),
            labels=st.just(["P5", "P4", "P3", "P2", "P1"])
            | st.just(("low", "mid", "high", "urgent", "now")),
        ),
        frozenset({"labels"}),
    ),
    Target(
        "PriorityStep",
        PriorityStep,
        _keywords(modifier=_names, before=st.integers(1, 5), after=st.integers(1, 5), why=_line),
    ),
    Target(
        "RouteContext", RouteContext, _instances(_route_contexts), frozenset({"loads", "queue"})
    ),
    Target(
        "RouteDecision", RouteDecision, _keywords(queue=_labels, assignee=_labels, reason=_line)
    ),
    Target(
        "RouteRule",
        RouteRule,
        _keywords(
            name=_names,
            queue=_names,
            categories=st.frozensets(_codes, max_size=2),
            fields=st.just({"carrier": "ACME", "tier": [1, 2]}),
        ),
        frozenset({"categories", "fields"}),
    ),
    Target(
        "Taxonomy",
        Taxonomy,
        st.just(((_TAXONOMY.categories,), {"retired": dict(_TAXONOMY.retired)})),
        frozenset({"retired"}),
    ),
    Target(
        "Taxonomy.from_mapping",
        Taxonomy.from_mapping,
        _keywords(data=st.just(_TAXONOMY.to_mapping())),
    ),
    Target("Taxonomy.from_toml", Taxonomy.from_toml, _keywords(text=st.just(_TAXONOMY.to_toml()))),
    Target("Taxonomy.from_json", Taxonomy.from_json, _keywords(text=st.just(_TAXONOMY.to_json()))),
    # -- ticketflow.plugins -------------------------------------------------------------------
    Target(
        "DiscoveryReport",
        DiscoveryReport,
        _keywords(
            registered=st.lists(st.sampled_from(["categorizer:a", "router:b"]), max_size=2),
            failed=st.lists(
                st.builds(PluginError, st.just("categorizer"), _names, _line), max_size=2
            ),
            disabled=st.booleans(),
        ),
        frozenset({"registered", "failed", "disabled"}),
    ),
    Target("StrategyRegistry", StrategyRegistry, st.just(((), {}))),
    # -- ticketflow.storage -------------------------------------------------------------------
    Target(
        "Change",
        Change,
        st.builds(
            _change,
            tickets(),
            actors(),
            st.lists(_messages, max_size=2),
            st.none() | aware_datetimes(),
        ),
        frozenset({"outbox", "due_at"}),
    ),
    Target(
        "DueCheckpoint",
        DueCheckpoint,
        _keywords(next_due=st.none() | aware_datetimes(), memo=st.none() | st.text(max_size=64)),
        frozenset({"memo"}),
    ),
    Target("DueEntry", DueEntry, _keywords(ticket_id=_ids, due_at=aware_datetimes())),
    Target("InMemoryTicketStore", InMemoryTicketStore, st.just(((), {}))),
    Target(
        "RejectedIntake",
        RejectedIntake,
        _keywords(
            id=_ids,
            channel=st.sampled_from(["email", "form"]),
            received_at=aware_datetimes(),
            raw=st.binary(max_size=64),
            problems=st.lists(
                st.builds(IntakeProblem, _line, _names, _line), min_size=1, max_size=3
            ),
        ),
    ),
    Target(
        "LeasedMessage",
        LeasedMessage,
        _keywords(
            message=_messages,
            lease_token=_ids,
            lease_until=aware_datetimes(),
            attempts=st.integers(1, 100),
        ),
    ),
    Target("OutboxMessage", OutboxMessage, _instances(_messages), frozenset({"ticket_id"})),
    Target(
        "DeadLetter",
        DeadLetter,
        _keywords(
            message=_messages,
            attempts=st.integers(1, 2**63 - 1),
            last_error=_line,
            dead_at=aware_datetimes(),
        ),
    ),
    *_FEED_TARGETS,
    *_ANALYTICS_TARGETS,
    Target(
        "Page",
        Page,
        _keywords(
            tickets=st.lists(_some_tickets, max_size=2),
            next_cursor=st.none() | st.integers(1, 10**6),
        ),
    ),
    Target(
        "SQLiteTicketStore",
        SQLiteTicketStore,
        _keywords(
            path=st.builds(_fresh_sqlite_path),
            synchronous=st.sampled_from(["FULL", "NORMAL", "OFF"]),
            timeout=st.floats(0, 60),
        ),
        frozenset({"synchronous", "timeout"}),
    ),
    Target(
        "PostgresTicketStore",
        disposable_postgres_store,
        _keywords(
            dsn=st.none(),
            schema=st.none(),
            pool_size=st.integers(1, 3),
            statement_timeout=st.just(0) | st.floats(5, 60),  # 0: none; below, setup times out
            connect_timeout=st.none() | st.floats(1, 10),
        ),
        frozenset({"dsn", "schema", "pool_size", "statement_timeout", "connect_timeout"}),
    ),
    Target(
        "TicketQuery",
        TicketQuery,
        _keywords(
            status=st.none() | _statuses,
            queue=_labels,
            assignee=_labels,
            fields=st.none() | field_maps().map(dict),
            limit=st.integers(1, 1000),
            after=st.none() | st.integers(0, 10**6),
        ),
        frozenset({"status", "queue", "assignee", "fields", "limit", "after"}),
    ),
    # -- ticketflow.integrations --------------------------------------------------------------
    Target(
        "DispatchReport",
        DispatchReport,
        _keywords(delivered=_counts, failed=_counts, unhandled=_counts),
    ),
    Target("InMemoryBilling", InMemoryBilling, st.just(((), {}))),
    Target(
        "Account",
        Account,
        _instances(_accounts),
        frozenset({"tier", "sla_tier", "vip", "language"}),
    ),
    Target(
        "InMemoryCrm",
        InMemoryCrm,
        _keywords(accounts=st.dictionaries(st.emails(), _accounts, max_size=3)),
    ),
    Target(
        "InMemoryContracts",
        _contracts,
        _keywords(tiers=st.dictionaries(st.emails(), _names, max_size=3)),
    ),
    Target("ServiceCredit", ServiceCredit, _instances(_credits)),
    Target(
        "RetrySchedule",
        RetrySchedule,
        _keywords(
            delays=st.lists(
                st.timedeltas(timedelta(microseconds=1), timedelta(days=365)), min_size=1
            ),
            jitter=st.floats(0, 0.99) | st.just(0),
            random=st.sampled_from([Random(1).random, lambda: 0.5]),
        ),
        frozenset({"delays", "jitter", "random"}),
    ),
    Target(
        "ServiceCredit.from_payload",
        ServiceCredit.from_payload,
        _credits.map(lambda credit: ((), {"payload": to_primitive(credit)})),
    ),
    # -- ticketflow.webhooks ------------------------------------------------------------------
    Target("WebhookSecret", WebhookSecret, _keywords(key=_webhook_keys)),
    Target(
        "WebhookSecret.parse",
        WebhookSecret.parse,
        _webhook_keys.map(lambda key: ((WebhookSecret(key).text,), {})),
    ),
    Target(
        "WebhookSecret.generate",
        WebhookSecret.generate,
        _keywords(size=st.integers(16, 1024)),
        frozenset({"size"}),
    ),
    Target(
        "VerifiedWebhook",
        VerifiedWebhook,
        _keywords(msg_id=_webhook_ids, sent_at=aware_datetimes(), secret_index=st.integers(0, 15)),
    ),
    Target(
        "WebhookEndpoint",
        WebhookEndpoint,
        _keywords(
            url=_webhook_urls, secret=_webhook_secrets, topics=_webhook_topics, timeout=_timeouts
        ),
        frozenset({"topics", "timeout"}),
    ),
    Target(
        "WebhookDispatcher",
        WebhookDispatcher,
        _keywords(
            store=st.builds(InMemoryTicketStore),
            endpoints=st.lists(_endpoints, min_size=1, max_size=3),
            transport=st.builds(RecordingTransport) | st.builds(HttpTransport),
            schedule=_schedules,
            handlers=st.just({"ticket.created": _anything}),
            clock=st.builds(FrozenClock),
            worker=_names,
            lease=st.timedeltas(timedelta(seconds=1), timedelta(hours=1)),
            retry_after=st.timedeltas(timedelta(seconds=1), timedelta(hours=1)),
        ),
        frozenset({"transport", "schedule", "handlers", "clock", "worker", "lease", "retry_after"}),
    ),
    Target(
        "HttpTransport", HttpTransport, _keywords(ssl_context=st.none()), frozenset({"ssl_context"})
    ),
    Target(
        "RecordingTransport",
        RecordingTransport,
        _keywords(
            responses=st.lists(
                _statuses_http
                | st.builds(WebhookDeliveryError, st.just("timeout"), _webhook_urls, _line),
                max_size=4,
            ),
            then=_statuses_http,
        ),
        frozenset({"responses", "then"}),
    ),
    Target(
        "RecordedRequest",
        RecordedRequest,
        _keywords(
            url=_webhook_urls,
            headers=st.dictionaries(
                st.from_regex(r"[a-z-]{1,12}", fullmatch=True),
                st.from_regex(r"[ -~]{0,20}", fullmatch=True),
                max_size=4,
            ),
            body=st.binary(max_size=100),
            timeout=_timeouts,
        ),
    ),
    # -- ticketflow.workers -------------------------------------------------------------------
    Target(
        "WorkerSetup",
        WorkerSetup,
        _keywords(
            desk=st.builds(Desk, st.builds(InMemoryTicketStore)),
            handlers=st.dictionaries(st.sampled_from(["*", "ticket.*"]), st.just(_anything)),
            schedule=st.none() | _schedules,
        ),
        frozenset({"handlers", "dispatcher", "schedule"}),
    ),
    # -- ticketflow.testing -------------------------------------------------------------------
    Target(
        "FrozenClock",
        FrozenClock,
        _keywords(start=st.none() | aware_datetimes()),
        frozenset({"start"}),
    ),
)
"""Every public constructor the hostile-input tests call, each with valid arguments."""


@st.composite
def hostile_arguments(draw: st.DrawFn, target: Target) -> Arguments:
    """Return ``target``'s valid arguments with a few swapped for hostile values or left out."""
    args, kwargs = draw(target.valid)
    slots = [*range(len(args)), *kwargs]
    # One call in four keeps every argument valid, so that the success path is taken too.
    spoil = bool(slots) and draw(st.integers(0, 3)) > 0
    swapped = draw(st.sets(st.sampled_from(slots), min_size=1, max_size=3)) if spoil else set()
    optional = sorted(target.optional & kwargs.keys())
    dropped = draw(st.sets(st.sampled_from(optional))) if optional else set()
    args = tuple(draw(hostile_values) if i in swapped else a for i, a in enumerate(args))
    kwargs = {
        name: draw(hostile_values) if name in swapped else value
        for name, value in kwargs.items()
        if name not in dropped or name in swapped
    }
    return args, kwargs


class _Router:
    """A router that sends every ticket to the second line."""

    def route(self, _: Ticket) -> Assignment:
        return Assignment(queue="l2", assignee=None)


def _applying(journal: list[TicketEvent]) -> Arguments:
    before = replay(journal[:-1]) if len(journal) > 1 else None
    return (before, journal[-1]), {}


def _moving(ticket: Ticket, pick: Random, actor: Actor, reason: str | None) -> Arguments:
    to = pick.choice(sorted(DEFAULT_WORKFLOW.edges[ticket.status]))
    return (ticket, to), {"actor": actor, "at": ticket.updated_at, "reason": reason}


def _reading(journal: list[TicketEvent], later: timedelta, workflow: Workflow | None) -> Arguments:
    return (journal, _POLICY), {"as_of": journal[-1].at + later, "workflow": workflow}


def _planning(journal: list[TicketEvent], later: timedelta) -> Arguments:
    return (journal, _POLICY, DEFAULT_WORKFLOW, journal[-1].at + later), {}


_histories = histories(max_events=6)
_later = st.timedeltas(timedelta(0), timedelta(days=10))


def _delivery(
    secrets: list[WebhookSecret], msg_id: str, sent: int, body: bytes, late: timedelta
) -> Arguments:
    # A message as a receiver gets it, checked a little later than it was sent.
    headers = {
        "webhook-id": msg_id,
        "webhook-timestamp": str(sent),
        "webhook-signature": sign(secrets[0], msg_id, sent, body),
    }
    now = datetime.fromtimestamp(sent, UTC) + late
    return (), {"headers": headers, "body": body, "secrets": secrets, "tolerance": late, "now": now}


FUNCTION_TARGETS: Final[tuple[Target, ...]] = (
    Target(
        "outbound_message",
        outbound_message,
        st.builds(
            lambda ticket, to, body, in_reply_to, automatic: (
                (MailIdentity("support@desk.example", b"a secret of 24 bytes ok"), ticket),
                {"to": to, "body": body, "in_reply_to": in_reply_to, "automatic": automatic},
            ),
            tickets(),
            st.emails(),
            _bodies,
            st.none() | st.just("<a1@mail.example.com>"),
            st.booleans(),
        ),
        frozenset({"in_reply_to", "automatic", "version"}),
    ),
    Target("parse_email", parse_email, _raw_emails.map(lambda raw: ((raw,), {}))),
    Target(
        "shingles",
        shingles,
        _keywords(subject=_line, body=_bodies, size=st.integers(1, 16)),
        frozenset({"body", "size"}),
    ),
    Target(
        "parse_form",
        parse_form,
        st.builds(
            lambda subject, email: (
                ({"subject": subject, "requester": {"email": email}},),
                {"form": FormSpec()},
            ),
            _line,
            st.emails(),
        ),
        frozenset({"form"}),
    ),
    Target("form_schema", form_schema, st.just(((FormSpec(),), {}))),
    Target("estimated_jaccard", estimated_jaccard, st.builds(_signatures, _line, _line)),
    Target("find_near_duplicates", find_near_duplicates, st.builds(_finding, _line, _bodies)),
    Target("apply", apply, st.builds(_applying, _histories)),
    Target("replay", replay, _histories.map(lambda journal: ((journal,), {}))),
    Target(
        "transition",
        transition,
        st.builds(
            _moving,
            tickets().filter(lambda ticket: ticket.status not in DEFAULT_WORKFLOW.terminal),
            st.randoms(use_true_random=False),
            st.sampled_from([Actor.agent("bob"), Actor.supervisor("sue")]),
            st.none() | _line,
        ),
        frozenset({"reason"}),
    ),
    Target("same_mailbox", same_mailbox, _keywords(a=st.emails(), b=st.emails())),
    Target(
        "sla_state",
        sla_state,
        st.builds(_reading, _histories, _later, st.none() | st.just(DEFAULT_WORKFLOW)),
        frozenset({"workflow"}),
    ),
    Target("plan_alerts", plan_alerts, st.builds(_planning, _histories, _later)),
    Target(
        "sla_alerts",
        sla_alerts,
        _keywords(policy=st.just(_POLICY), workflow=st.just(DEFAULT_WORKFLOW)),
    ),
    Target(
        "bump_priority",
        bump_priority,
        _keywords(
            mapping=st.just({"P2": "P1", "P3": "P2"}), on=st.sampled_from(["breach", "warning"])
        ),
        frozenset({"on"}),
    ),
    Target(
        "reassign",
        reassign,
        _keywords(router=st.builds(_Router), on=st.sampled_from(["breach", "warning"])),
        frozenset({"on"}),
    ),
    Target(
        "holidays_from",
        holidays_from,
        st.builds(
            lambda place, years: ((), {"country": place[0], "years": years, "subdiv": place[1]}),
            st.sampled_from([("DE", None), ("DE", "BY"), ("US", "CA"), ("FR", None)]),
            st.lists(st.integers(2000, 2040), max_size=3),
        ),
        frozenset({"subdiv"}),
    ),
    Target(
        "dispatch_outbox",
        dispatch_outbox,
        _keywords(
            store=st.builds(InMemoryTicketStore),
            handlers=st.just({"ticket.created": _anything}),
            now=aware_datetimes(),
            worker=_names,
            lease=st.timedeltas(timedelta(seconds=1), timedelta(hours=1)),
            limit=st.integers(1, 100),
            retry_after=st.timedeltas(timedelta(seconds=1), timedelta(hours=1)),
            schedule=st.none() | _schedules,
        ),
        frozenset({"worker", "lease", "limit", "retry_after", "schedule"}),
    ),
    Target(
        "service_credit_handler",
        service_credit_handler,
        _keywords(adapter=st.builds(InMemoryBilling)),
    ),
    Target("make_converter", make_converter, st.just(((), {}))),
    # -- ticketflow.plugins -------------------------------------------------------------------
    Target(
        "discover",
        discover,
        _keywords(
            registry=st.builds(StrategyRegistry),
            group=st.sampled_from(["ticketflow.strategies", "ticketflow.strategies.none"]),
            errors=st.sampled_from(["raise", "collect"]),
        ),
        frozenset({"group", "errors"}),
    ),
    # -- ticketflow.webhooks ------------------------------------------------------------------
    Target("webhook_body", webhook_body, _keywords(message=_messages)),
    Target(
        "sign",
        sign,
        _keywords(
            secrets=_webhook_secrets,
            msg_id=_webhook_ids,
            timestamp=_webhook_times,
            body=st.binary(max_size=100),
        ),
    ),
    Target(
        "verify",
        verify,
        st.builds(
            _delivery,
            st.lists(_webhook_keys.map(WebhookSecret), min_size=1, max_size=3),
            _webhook_ids,
            st.integers(0, 253_402_000_000),  # checked up to ten minutes later: before 10000
            st.binary(max_size=100),
            st.timedeltas(timedelta(0), timedelta(minutes=10)),
        ),
        frozenset({"tolerance", "now"}),
    ),
    # -- ticketflow.triage --------------------------------------------------------------------
    *_REPLAY_FUNCTION_TARGETS,
    *_RESOLUTION_FUNCTION_TARGETS,
    *_PROBLEM_FUNCTION_TARGETS,
    Target(
        "rule_categorizer",
        rule_categorizer,
        _keywords(
            taxonomy=st.just(_TAXONOMY),
            rules=st.lists(_category_rules, max_size=3, unique_by=lambda rule: rule.name),
            min_confidence=st.floats(0.0, 1.0),
            max_text=st.integers(1, 100_000),
        ),
        frozenset({"min_confidence", "max_text"}),
    ),
    Target(
        "priority_policy",
        priority_policy,
        _keywords(
            matrix=st.just(DEFAULT_MATRIX),
            modifiers=st.just([vip_modifier(["boss@example.com"]), keyword_modifier(["outage"])]),
            default_impact=st.integers(1, 5),
            default_urgency=st.integers(1, 5),
        ),
        frozenset({"matrix", "modifiers", "default_impact", "default_urgency"}),
    ),
    Target(
        "tier_modifier",
        tier_modifier,
        _keywords(
            steps=st.dictionaries(_names, st.integers(-3, 3), max_size=3),
            lookup=st.builds(_contracts, st.dictionaries(st.emails(), _names, max_size=2)),
            floor=_floors,
            cap=_caps,
            name=_names,
        ),
        frozenset({"floor", "cap", "name"}),
    ),
    Target(
        "vip_modifier",
        vip_modifier,
        _keywords(
            addresses=st.lists(st.emails(), max_size=3),
            steps=st.integers(1, 3),
            floor=_floors,
            cap=_caps,
            name=_names,
        ),
        _modifier_options,
    ),
    Target(
        "keyword_modifier",
        keyword_modifier,
        _keywords(
            keywords=_keyword_lists,
            steps=st.integers(-3, 3).filter(bool),
            floor=_floors,
            cap=_caps,
            name=_names,
            max_text=st.integers(1, 100_000),
        ),
        _modifier_options | {"max_text"},
    ),
    Target(
        "field_modifier",
        field_modifier,
        _keywords(
            field=_names,
            values=_field_values | st.lists(_field_values, min_size=1, max_size=3),
            steps=st.integers(1, 3),
            floor=_floors,
            cap=_caps,
            name=_names,
        ),
        _modifier_options,
    ),
    Target(
        "rule_router",
        rule_router,
        _keywords(
            rules=st.just(
                [
                    RouteRule(name="late", queue="carriers", categories=["delivery/late"]),
                    RouteRule(name="money", queue="finance", categories=["billing"]),
                ]
            ),
            default_queue=_labels,
            taxonomy=st.none() | st.just(_TAXONOMY),
        ),
        frozenset({"default_queue", "taxonomy"}),
    ),
    Target(
        "round_robin_router",
        round_robin_router,
        _keywords(cursor=st.builds(InMemoryRoundRobinCursor), needs=st.none() | _needs),
        frozenset({"needs"}),
    ),
    Target(
        "least_loaded_router",
        least_loaded_router,
        _keywords(needs=st.none() | _needs),
        frozenset({"needs"}),
    ),
    Target(
        "skills_router", skills_router, _keywords(needs=st.none() | _needs), frozenset({"needs"})
    ),
    Target(
        "chain_router",
        chain_router,
        _keywords(
            routers=st.just([skills_router(), least_loaded_router()]), needs=st.none() | _needs
        ),
        frozenset({"needs"}),
    ),
)
"""Every public function the hostile-input tests call, each with valid arguments."""
