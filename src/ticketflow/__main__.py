"""The command line: ``python -m ticketflow demo [--db PATH]``.

The demo is the end-to-end job as it stands: a desk on the embedded SQLite store with business
hours and SLA targets; tickets submitted, triaged, assigned, answered, paused on the customer
(whose reply resumes the work), resolved by the definition of done (a resolution without its
root cause and evidence refused), rejected by the customer and so reopened, closed only on the
customer's confirmation (a supervisor's close refused), an AI's low-confidence resolution kept
as a suggestion until an agent accepts it, and an unanswered resolution auto-closed after three
business days; refusals with their error codes; SLA ticks that record warnings and breaches
once, escalate and owe a service credit; the outbox delivered to a billing adapter, and the
satisfaction surveys as signed webhooks to a local receiver that verifies them, with the
customer's score recorded once; a problem record opened from the two VAT incidents, its root
cause, workaround and fix recorded, refused until the fix is verified, then resolved together
with its incidents; the desk's figures (volume by category, time to resolution, the carriers
that drive SLA breaches with their Wilson intervals) read from the store's event feed;
what a customer may see; e-mail taken in by the intake service (a request becomes a ticket with
its signature cut, the customer's reply threads into it as her public comment, the same message
again is a duplicate, a near duplicate is linked to it, a stranger's subject tag does not join
the ticket, an out-of-office reply is ignored and kept as a record); the triage command on those
tickets (category from weighted rules, priority from the matrix and the CRM's customer tier,
the queue by rule and the agent by round robin kept in the store, each decision explained for
staff); a web form refused with
every problem listed and kept, then accepted, then caught as a duplicate by its idempotency key;
and a reopened store whose journals replay to their snapshots.
"""

from __future__ import annotations

import argparse
import itertools
import logging
import sys
import tempfile
import threading
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from . import Actor, Desk, NewTicket, Requester, Resolution, TicketEvent, TicketStatus, replay
from ._demo_webhooks import DEMO_SECRET, SurveyReceiver, survey_receiver
from .analytics import Analytics, Report
from .exceptions import (
    AccessDeniedError,
    ConfigurationError,
    ConfirmationRequiredError,
    DoneCriteriaNotMetError,
    FixNotVerifiedError,
    InvalidTransitionError,
    PermissionDeniedError,
)
from .intake import (
    FormSpec,
    InMemoryAttachmentSink,
    Intake,
    IntakeAction,
    MailIdentity,
    form_schema,
    outbound_message,
)
from .integrations import (
    SERVICE_CREDIT_TOPIC,
    Account,
    InMemoryBilling,
    InMemoryCrm,
    service_credit_handler,
)
from .problems import ProblemPolicy, Problems
from .resolution import (
    ANY,
    CSAT_TOPIC,
    AutoClose,
    CodeInList,
    DoneCriteria,
    EvidenceAttached,
    ResolutionPolicy,
    RootCauseGiven,
)
from .sla import BusinessCalendar, SlaPolicy, SlaRule, SlaTargets, bump_priority
from .storage import SQLiteTicketStore, TicketQuery
from .testing import FrozenClock  # stands still until the story moves it: stable output
from .triage import (
    Agent,
    CategoryRule,
    RouteRule,
    StoreRoundRobinCursor,
    Taxonomy,
    Triage,
    chain_router,
    priority_policy,
    round_robin_router,
    rule_categorizer,
    rule_router,
    tier_modifier,
)
from .webhooks import WebhookDispatcher, WebhookEndpoint
from .workers import WorkerSetup
from .workers._loop import WorkerOptions, is_postgres_url, parse_duration, run_worker, serve

S = TicketStatus
BERLIN = ZoneInfo("Europe/Berlin")
Write = Callable[[str], object]


def _at(day: int, hour: int, minute: int = 0) -> datetime:
    """An instant in Berlin in March 2026 (the 2nd is a Monday)."""
    return datetime(2026, 3, day, hour, minute, tzinfo=BERLIN)


def _local(instant: datetime) -> str:
    return f"{instant.astimezone(BERLIN):%a %H:%M}"


def _describe(event: TicketEvent) -> str:
    details = {
        "created": lambda e: f"{e.ticket.subject!r} priority={e.ticket.priority}",
        "transitioned": lambda e: f"{e.source} -> {e.target}",
        "assigned": lambda e: f"queue={e.queue} assignee={e.assignee}",
        "commented": lambda e: ("public: " if e.public else "internal: ") + repr(e.body),
        "field_changed": lambda e: ", ".join(f"{k}={v!r}" for k, v in e.changes.items()),
        "prioritized": lambda e: f"priority={e.priority}",
        "categorized": lambda e: f"category={e.category}",
        "linked": lambda e: f"{e.link} -> {e.target}",
        "tagged": lambda e: f"+{sorted(e.added)} -{sorted(e.removed)}",
        "sla_warned": lambda e: f"{e.metric} at {e.threshold:.0%}, due {_local(e.due_at)}",
        "sla_breached": lambda e: f"{e.metric} due {_local(e.due_at)}",
        "resolution_recorded": lambda e: (
            f"{e.resolution.code} by {e.resolution.source}"
            + (" (suggested)" if e.suggested else "")
            + ": "
            + ", ".join(f"{v.criterion} {'ok' if v.passed else 'FAILED'}" for v in e.verdicts)
        ),
        "suggestion_reviewed": lambda e: (
            ("accepted" if e.accepted else "rejected") + f" v{e.suggestion}"
        ),
        "resolution_answered": lambda e: f"{e.answer}" + (f" by {e.policy}" if e.policy else ""),
        "csat_recorded": lambda e: f"score {e.score} ({e.response_id})",
    }
    detail = details.get(type(event).type, lambda _: "")(event)
    when = f"{event.at.astimezone(BERLIN):%a %d %H:%M}"
    return f"    v{event.version:<2} {when} {type(event).type:<19} {event.actor!s:<26} {detail}"


def _desk(store: SQLiteTicketStore, clock: FrozenClock) -> Desk:
    office = BusinessCalendar.weekly(
        tz="Europe/Berlin",
        hours={"mon-fri": ["09:00-12:00", "13:00-17:00"]},
        holidays=[date(2026, 4, 3), date(2026, 4, 6)],
    )
    targets = {
        "P1": SlaTargets(first_response=timedelta(minutes=30), resolution=timedelta(hours=4)),
        "P2": SlaTargets(first_response=timedelta(hours=2), resolution=timedelta(hours=16)),
        "P3": SlaTargets(first_response=timedelta(hours=8), resolution=timedelta(hours=40)),
    }
    rules = [
        SlaRule(
            name="gold contract",
            tier="gold",
            calendar=office,
            targets=SlaTargets(first_response=timedelta(minutes=15), resolution=timedelta(hours=2)),
        ),
        *(SlaRule(name=p, priority=p, calendar=office, targets=t) for p, t in targets.items()),
    ]
    policy = SlaPolicy(
        rules,
        contracts=InMemoryCrm(
            {"@bigretail.example": Account(account_id="bigretail", sla_tier="gold")}
        ),
        escalations=[bump_priority({"P3": "P2", "P2": "P1"})],
    )
    ids = itertools.count(1)
    # Late deliveries are done only with their root cause and a tracking link; resolved work
    # nobody answers closes after 3 business days of the ticket's SLA calendar.
    resolution = ResolutionPolicy(
        criteria=DoneCriteria(
            {
                (ANY, ANY): [CodeInList()],
                (ANY, "delivery/late"): [RootCauseGiven(), EvidenceAttached()],
            }
        ),
        ai_threshold=0.9,
        auto_close=AutoClose(business_days=3),
    )
    return Desk(
        store,
        clock=clock,
        sla=policy,
        ids=lambda: f"id{next(ids):04d}",
        internal_fields={"margin"},
        resolution=resolution,
    )


def _story(desk: Desk, clock: FrozenClock, write: Write) -> list[str]:
    alice = Actor.customer("alice@example.com")
    buyer = Actor.customer("buyer@bigretail.example")
    bob, sue = Actor.agent("bob"), Actor.supervisor("sue")
    clock.set(_at(6, 16, 30))  # Friday afternoon
    late = desk.submit(
        NewTicket(
            subject="Parcel 42 late",
            description="Ordered Monday, still not here.",
            requester=Requester("alice@example.com"),
            priority="P2",
            fields={"carrier": "ACME Freight"},
        ),
        actor=alice,
    )
    damaged = desk.submit(
        NewTicket(
            subject="Pallet arrived damaged",
            requester=Requester("buyer@bigretail.example"),
            priority="P3",
            fields={"carrier": "Speedy Cargo"},
        ),
        actor=buyer,
    )
    write(f"submitted {late.reference} and {damaged.reference} on Fri 16:30 (Berlin)")
    write("  " + desk.explain_sla(late.id))
    write("  " + desk.explain_sla(damaged.id))

    try:
        desk.transition(late.id, S.TRIAGED, actor=alice)
    except PermissionDeniedError as error:
        write(f"refused ({error.code}): {error}")
    try:
        desk.submit(NewTicket(subject="x", requester=Requester("bob@example.com")), actor=alice)
    except AccessDeniedError as error:
        write(f"refused ({error.code}): {error}")

    clock.set(_at(9, 9, 5))  # Monday morning
    desk.categorize(late.id, "delivery/late", actor=bob)
    desk.set_fields(late.id, {"margin": 0.12}, actor=bob)
    desk.tag(late.id, add={"carrier-delay"}, actor=bob)
    desk.transition(late.id, S.TRIAGED, actor=bob)
    desk.assign(late.id, actor=bob, queue="logistics", assignee="bob")
    desk.transition(late.id, S.IN_PROGRESS, actor=bob)
    desk.comment(late.id, "We asked ACME Freight for a trace.", actor=bob)
    desk.comment(late.id, "ACME misses a lot this month.", actor=bob, public=False)
    clock.set(_at(9, 9, 40))
    desk.transition(late.id, S.PENDING_CUSTOMER, actor=bob, reason="need the order number")
    try:
        desk.transition(late.id, S.CLOSED, actor=bob)
    except InvalidTransitionError as error:
        write(f"refused ({error.code}): {error}")

    report = desk.tick(_at(9, 10))
    write(
        f"tick Mon 10:00: {report.warned} warnings, {report.breached} breaches,"
        f" {report.escalated} escalations"
    )
    _resolve_late(desk, clock, write, late.id)
    desk.transition(damaged.id, S.TRIAGED, actor=bob)
    desk.transition(damaged.id, S.IN_PROGRESS, actor=bob)
    clock.set(_at(12, 9))
    try:
        desk.close(late.id, actor=sue)
    except ConfirmationRequiredError as error:
        write(f"refused ({error.code}): {error}")
    report = desk.tick(_at(12, 9))
    write(
        f"tick Thu 09:00: {report.warned} warnings, {report.breached} breaches,"
        f" {report.escalated} escalations"
    )
    again = desk.tick(_at(12, 9))
    write(
        f"tick Thu 09:00 again: {again.warned} warnings, {again.breached} breaches (exactly once)"
    )
    _close_both(desk, clock, write, late.id, damaged.id)
    return [late.id, damaged.id]


def _resolve_late(desk: Desk, clock: FrozenClock, write: Write, late_id: str) -> None:
    """Alice answers, Bob resolves by the definition of done, Alice rejects, Bob resolves."""
    alice, bob = Actor.customer("alice@example.com"), Actor.agent("bob")
    late = desk.get(late_id)
    clock.set(_at(10, 11))
    answer = desk.reply(late_id, "Order 7781.", actor=alice)
    write(
        f"{late.reference} the customer replied while waiting:"
        f" {answer.action} -> {answer.ticket.status}"
    )
    desk.set_fields(late_id, {"order": "7781"}, actor=bob)
    try:
        desk.resolve(late_id, Resolution(code="fixed", summary="Delivered Tuesday."), actor=bob)
    except DoneCriteriaNotMetError as error:
        write(f"refused ({error.code}): {error}")
    evidence = ("https://track.acme.example/42",)
    cause = "Mis-sorted at the ACME hub."
    done = Resolution(
        code="fixed", summary="Delivered Tuesday.", root_cause=cause, evidence=evidence
    )
    desk.resolve(late_id, done, actor=bob)
    clock.set(_at(10, 15))
    rejected = desk.reject_resolution(late_id, actor=alice, comment="That is the wrong parcel.")
    write(
        f"{late.reference} the customer rejected the resolution: {rejected.action} ->"
        f" {rejected.ticket.status}, reopened {rejected.ticket.reopen_count}x"
    )
    right = Resolution(
        code="fixed", summary="The right parcel was delivered.", root_cause=cause, evidence=evidence
    )
    desk.resolve(late_id, right, actor=bob)


def _close_both(
    desk: Desk, clock: FrozenClock, write: Write, late_id: str, damaged_id: str
) -> None:
    """Alice confirms #1; an AI suggests how #2 was resolved, and Bob accepts."""
    alice, bob = Actor.customer("alice@example.com"), Actor.agent("bob")
    late, damaged = desk.get(late_id), desk.get(damaged_id)
    clock.set(_at(12, 9, 5))
    closed = desk.confirm_resolution(late_id, actor=alice)
    write(f"{late.reference} closed on the customer's confirmation: {closed.status}")
    clock.set(_at(12, 9, 10))
    guess = Resolution(
        code="workaround",
        summary="Credit note issued for the damaged pallet.",
        source="ai",
        confidence=0.72,
    )
    suggested = desk.resolve(damaged_id, guess, actor=Actor.ai("assistant"))
    write(
        f"{damaged.reference} an AI's resolution at confidence 0.72 (threshold 0.9): kept as a"
        f" suggestion, the ticket stays {suggested.status}"
    )
    accepted = desk.review_suggestion(damaged_id, accept=True, actor=bob, reason="credit checked")
    write(f"{damaged.reference} the suggestion accepted by bob: {accepted.status}")


REQUEST: bytes = b"""\
From: Carol Jones <carol@example.com>
To: support@desk.example
Subject: =?utf-8?q?Invoice_2026-118=3A_wrong_VAT_rate_=E2=80=93_please_fix?=
Message-ID: <c1@mail.example.com>
Date: Thu, 12 Mar 2026 09:30:00 +0100
Content-Type: text/plain; charset=utf-8

Hello,

our invoice 2026-118 shows 19% VAT, but the pallets ship to Austria.

Thanks,
Carol
--\x20
Carol Jones | Finance | Example GmbH
"""

SAME_AGAIN: bytes = b"""\
From: Erin Smith <erin@example.com>
To: support@desk.example
Subject: Invoice 2026-118: wrong VAT rate - please fix
Message-ID: <e1@mail.example.com>
Content-Type: text/plain

Hello,

our invoice 2026-118 shows 19% VAT, but the pallets ship to Austria.

Thanks,
Erin
"""

OUT_OF_OFFICE: bytes = b"""\
From: Dave <dave@bigretail.example>
To: support@desk.example
Subject: Automatic reply: Pallet arrived damaged
Auto-Submitted: auto-replied
Content-Type: text/plain

I am out of the office until Monday.
"""


CAROL_REPLY: bytes = b"""\
From: Carol Jones <carol@example.com>
To: support@desk.example
Subject: Re: [#3] Invoice 2026-118: wrong VAT rate
Message-ID: <c2@mail.example.com>
In-Reply-To: <c1@mail.example.com>
References: <c1@mail.example.com>
Content-Type: text/plain

The delivery address is Linz, Austria (customer no. 4411).

On Thu, 12 Mar 2026 at 09:31, Support <support@desk.example> wrote:
> Thanks, we are looking into it.
"""

STRANGER: bytes = b"""\
From: Mallory <mallory@elsewhere.example>
To: support@desk.example
Subject: Re: [#3] please add me
Message-ID: <m1@elsewhere.example>
Content-Type: text/plain

Please send me the invoice too.
"""


def _intake(desk: Desk, write: Write) -> list[str]:
    """E-mail arriving: a ticket, a reply threaded, duplicates caught, automatic mail ignored."""
    intake = Intake(
        desk,
        identity=MailIdentity("support@desk.example", b"demo secret: 32 random bytes here"),
        attachments=InMemoryAttachmentSink(),
        ids=(f"intake-{n}" for n in itertools.count(1)).__next__,
    )
    created: list[str] = []
    for raw in (REQUEST, CAROL_REPLY, REQUEST, SAME_AGAIN, STRANGER, OUT_OF_OFFICE):
        outcome = intake.ingest_email(raw)
        write(f"intake: {outcome.line()}")
        ticket = outcome.ticket
        if outcome.action in {IntakeAction.CREATED, IntakeAction.LINKED} and ticket is not None:
            created.append(ticket.id)
        if outcome.action is IntakeAction.CREATED and ticket is not None and ticket.number == 3:  # noqa: PLR2004
            ack = outbound_message(
                intake.identity,
                ticket,
                to=ticket.requester.email,
                body="We have your request.",
                in_reply_to=outcome.message_id,
                automatic=True,
            )
            write(f"  acknowledged: {ack['Subject']!r}, Auto-Submitted: {ack['Auto-Submitted']}")
            write(
                f"  {ticket.reference} {ticket.subject!r}: the description keeps"
                f" {len(ticket.description.splitlines())} lines (the signature cut); replies"
                f" thread by {intake.identity.reply_address(ticket)}"
            )
        if raw is STRANGER:
            write("  a [#3] subject tag from a stranger does not join #3: a ticket of their own")
        if outcome.action is IntakeAction.APPENDED and ticket is not None:
            comment = desk.view(ticket.id, Actor.agent("bob")).comments[-2]
            write(f"  public comment by {comment.author}: {comment.body.splitlines()[0]!r}")
    pending = desk.store.rejected()  # type: ignore[attr-defined]
    write(f"intake: {len(pending)} rejected-intake record kept for review (automatic mail)")
    created += _web_form(intake, write)
    return created


def _web_form(intake: Intake, write: Write) -> list[str]:
    """A web form: a payload with every problem listed at once, then a good one, sent twice."""
    form = FormSpec(categories={"billing", "delivery/late"}, fields={"order"})
    write(f"web form: JSON Schema with fields {sorted(form_schema(form)['properties'])}")
    posted: dict[str, object] = {
        "subject": "",
        "requester": {"email": "frank"},
        "queue": "vip",
        "category": "x",
    }
    refused = intake.submit_form(posted, form=form)
    listed = ", ".join(f"{p.path} {p.code}" for p in refused.problems)
    write(f"  refused ({refused.action}, kept as a record): {listed}")
    posted = {
        "subject": "Where is order 7790?",
        "requester": {"email": "frank@example.com", "name": "Frank"},
        "category": "delivery/late",
        "fields": {"order": "7790"},
    }
    accepted = intake.submit_form(posted, form=form, idempotency_key="form-7790")
    ticket = accepted.ticket
    assert ticket is not None  # noqa: S101 - a good payload makes a ticket
    write(f"  {accepted.line()} on the {ticket.channel} channel")
    again = intake.submit_form(posted, form=form, idempotency_key="form-7790")
    write(f"  sent again with the same idempotency key: {again.line()}")
    return [ticket.id]


TAXONOMY_TOML = """
[[categories]]
code = "delivery"
label = "Delivery"

[[categories]]
code = "delivery/late"
label = "Late delivery"

[[categories]]
code = "billing"
label = "Billing"

[[categories]]
code = "billing/tax"
label = "Tax and VAT"
"""


def _triage(desk: Desk, write: Write, ticket_ids: Sequence[str]) -> None:
    """The triage command on the tickets intake made: category, priority, route, explained."""
    taxonomy = Taxonomy.from_toml(TAXONOMY_TOML)
    crm = InMemoryCrm(
        {"@example.com": Account(account_id="example-gmbh", tier="gold", language="de")}
    )

    def customer_tier(requester: Requester) -> str | None:
        account = crm.account(requester)
        return None if account is None else account.tier

    triage = Triage(
        desk,
        taxonomy=taxonomy,
        categorizer=rule_categorizer(
            taxonomy,
            [
                CategoryRule(
                    name="vat", category="billing/tax", keywords=["vat", "tax rate"], weight=3
                ),
                CategoryRule(name="invoice", category="billing", keywords=["invoice"]),
                CategoryRule(name="late", category="delivery/late", keywords=["late", "where is"]),
            ],
        ),
        priority=priority_policy(modifiers=[tier_modifier({"gold": 1}, customer_tier, cap=4)]),
        router=chain_router(
            [
                rule_router(
                    [
                        RouteRule(name="money", queue="finance", categories=["billing"]),
                        RouteRule(name="parcels", queue="logistics", categories=["delivery"]),
                    ],
                    default_queue="first-line",
                    taxonomy=taxonomy,
                ),
                round_robin_router(StoreRoundRobinCursor(desk.store)),  # type: ignore[arg-type]
            ]
        ),
        agents=[
            Agent(id="fiona", queues=["finance"], languages=["de", "en"]),
            Agent(id="felix", queues=["finance"]),
            Agent(id="bob", queues=["logistics"]),
        ],
        crm=crm,
    )
    for ticket_id in ticket_ids:
        ticket = triage.triage(ticket_id)
        write(
            f"triage {ticket.reference}: {ticket.category}, {ticket.priority},"
            f" {ticket.queue}/{ticket.assignee or '(unassigned)'} -> {ticket.status}"
        )
    first = desk.view(ticket_ids[0], Actor.agent("bob"))
    write(f"  why {first.ticket.reference} (staff only; a customer's view has none):")
    for explained in first.explanations:
        write(f"    {explained.decision}: {'; '.join(explained.reasons)}")


def _problem(desk: Desk, write: Write, incident_ids: Sequence[str]) -> str:
    """The VAT incidents share a cause: a problem record, its fix verified, all resolved."""
    felix = Actor.agent("felix")
    problems = Problems(desk, policy=ProblemPolicy(quiet_period=None))
    for incident_id in incident_ids:
        desk.transition(incident_id, S.IN_PROGRESS, actor=felix)
    problem = problems.open(
        incident_ids, subject="Austrian deliveries invoiced with German VAT", actor=felix
    )
    cause = "The tax rule maps every EU delivery address to German VAT."
    problems.record_root_cause(problem.id, cause, actor=felix)
    problems.record_workaround(problem.id, "Correct the VAT by credit note.", actor=felix)
    desk.transition(problem.id, S.TRIAGED, actor=felix)
    desk.transition(problem.id, S.IN_PROGRESS, actor=felix)
    problems.record_fix(problem.id, "Tax rules by the delivery country.", actor=felix)
    references = ", ".join(desk.get(i).reference for i in incident_ids)
    write(
        f"problem {problem.reference} {problem.subject!r} opened from {references}: root cause,"
        " workaround (a known error) and fix recorded"
    )
    done = Resolution(code="fixed", summary="VAT by delivery country.", root_cause=cause)
    try:
        problems.resolve(problem.id, done, actor=felix)
    except FixNotVerifiedError as error:
        write(f"  refused ({error.code}): {error}")
    problems.verify(problem.id, ["https://erp.example/changes/881"], actor=felix)
    fixed = Resolution(code="fixed", summary="Invoice corrected; VAT by delivery country.")
    outcome = problems.resolve(problem.id, done, actor=felix, incidents=fixed)
    results = ", ".join(f"{desk.get(o.incident).reference} {o.result}" for o in outcome.incidents)
    closed = problems.close(problem.id, actor=felix)
    write(
        f"  fix verified with evidence; {problem.reference} resolved with its incidents"
        f" ({results}), then {closed.status}"
    )
    return problem.id


def _analytics(store: SQLiteTicketStore, write: Write) -> None:
    """The desk's figures, read from the store's event feed."""
    analytics = Analytics(store)
    events = analytics.refresh()
    volume = analytics.metric("volume", by="category")
    write(f"analytics: {events} events read from the feed; tickets by category:")
    for row in volume.rows:
        write(f"  {row.group or '(none)'}: {row.count}")
    resolved = analytics.metric("time_to_resolution")
    write(
        f"  time to resolution (wall clock): median {resolved.total.median} over"
        f" {resolved.total.count} resolved tickets"
    )
    drivers = analytics.drivers("sla_breach", by="carrier", min_count=1)
    for driver in drivers.ranked:
        write(
            f"  SLA breaches by carrier: {driver.group or '(no carrier)'}"
            f" {driver.hits}/{driver.count}, Wilson 95% [{driver.low:.2f}, {driver.high:.2f}]"
        )


def _report(store: SQLiteTicketStore, write: Write, html: Path) -> None:
    """The desk's report: its headline in the terminal, the page with its charts on disk."""
    analytics = Analytics(store)
    analytics.refresh()
    report = Report.build(analytics, by="carrier", min_count=1)
    headline = {row[0]: row[1] for row in report.table("headline").rows}
    write(
        f"report: {headline['volume']:g} tickets, backlog {headline['backlog']:g}, SLA attainment"
        f" {headline['SLA attainment']}, reopen rate {headline['reopen rate']}, CSAT average"
        f" {headline['CSAT, average']:g}"
    )
    try:
        page = report.to_html()
    except ConfigurationError as error:
        write(f"  no HTML page: {error}")  # pragma: no cover - the demo installs the extra
        return
    html.write_text(page, encoding="utf-8")
    write(f"  {html.name}: {page.count('<svg')} charts, self-contained (no scripts)")


def _surveys(desk: Desk, surveys: SurveyReceiver, write: Write) -> None:
    """The survey service's side: each verified CSAT request, and the customer's answer."""
    for webhook_id, document in sorted(surveys.accepted.items()):
        data = document["data"]
        write(
            f"webhook {document['type']} for {data['reference']} delivered to the survey service"
            f" on 127.0.0.1: signature verified (webhook-id {webhook_id})"
        )
    answers = {"#1": (5, "Sorted out quickly once the right parcel was found.")}
    for document in sorted(surveys.accepted.values(), key=lambda d: d["data"]["reference"]):
        data = document["data"]
        if data["reference"] not in answers:
            continue
        score, comment = answers[data["reference"]]
        response = f"survey-{data['number']}"
        first = desk.record_csat(data["ticket_id"], score, comment, response)
        again = desk.record_csat(data["ticket_id"], score, comment, response)
        write(
            f"  {data['reference']} CSAT {score}/5 recorded (response {response}); the same"
            f" response again changes nothing: version {first.version} -> {again.version}"
        )
    if surveys.refused:
        write(f"  refused: {surveys.refused}")  # pragma: no cover - the secret is shared


class _Lines(logging.Handler):
    """Hands each record's message to ``write``, indented: the worker's log in the demo."""

    def __init__(self, write: Write) -> None:
        super().__init__(logging.INFO)
        self._write = write

    def emit(self, record: logging.LogRecord) -> None:
        self._write(f"  {record.getMessage()}")


def _work_once(setup: WorkerSetup, write: Write) -> None:
    """Run one worker until nothing is left (``--once --dispatch``), its log written out."""
    log = logging.getLogger("ticketflow.worker")
    lines, level = _Lines(write), log.level
    log.addHandler(lines)
    log.setLevel(logging.INFO)
    try:
        options = WorkerOptions(dispatch=True, once=True, batch=1000, worker="demo-worker")
        run_worker(setup, options, threading.Event())
    finally:
        log.removeHandler(lines)
        log.setLevel(level)


def demo(db: Path | None = None, write: Write = print) -> int:
    """Run the end-to-end demo on a SQLite file (in a temporary directory unless ``db``)."""
    with tempfile.TemporaryDirectory() as scratch:
        path = db if db is not None else Path(scratch) / "desk.sqlite3"
        clock = FrozenClock(_at(6, 16, 30))
        with SQLiteTicketStore(path) as store:
            desk = _desk(store, clock)
            ticket_ids = _story(desk, clock, write)
            taken_in = _intake(desk, write)
            _triage(desk, write, taken_in)
            ticket_ids += taken_in
            clock.set(_at(12, 14))  # Thursday afternoon
            ticket_ids.append(_problem(desk, write, taken_in[:2]))
            clock.set(_at(18, 9))  # the next Wednesday
            billing = InMemoryBilling()
            webhooks: list[str] = []
            with survey_receiver(DEMO_SECRET, clock.now) as surveys:
                # The outbox delivered: service credits to billing, every ticket event to a
                # collector, and the CSAT requests as signed webhooks to the survey service.
                dispatcher = WebhookDispatcher(
                    store,
                    [WebhookEndpoint(surveys.url, DEMO_SECRET, topics=[CSAT_TOPIC])],
                    handlers={
                        SERVICE_CREDIT_TOPIC: service_credit_handler(billing),
                        "ticket.*": lambda message: webhooks.append(message.topic),
                    },
                    clock=clock,
                )
                # What `python -m ticketflow worker --once --dispatch` runs: the tick closes
                # the resolutions nobody answered for 3 business days; the outbox is delivered.
                write("worker Wed 18 09:00 (python -m ticketflow worker --once --dispatch):")
                _work_once(WorkerSetup(desk=desk, dispatcher=dispatcher), write)
            write(
                f"outbox: {len(webhooks)} ticket events delivered,"
                f" {len(billing.credits)} service credit{'' if len(billing.credits) == 1 else 's'}"
            )
            for credit in billing.credits.values():
                write(
                    f"  credit: {credit.tier} contract, {credit.metric} due"
                    f" {_local(credit.due_at)}, rule {credit.rule!r}"
                )
            _surveys(desk, surveys, write)
            for ticket_id in ticket_ids:
                ticket = desk.get(ticket_id)
                write(
                    f"{ticket.reference} {ticket.subject!r}: {ticket.status}, priority"
                    f" {ticket.priority}, version {ticket.version}, reopened {ticket.reopen_count}x"
                )
                for event in desk.history(ticket_id):
                    write(_describe(event))
            view = desk.view(ticket_ids[0], Actor.customer("alice@example.com"))
            write(
                f"customer view of {view.ticket.reference}: {len(view.comments)} comments,"
                f" fields {sorted(view.ticket.fields)} (internal ones hidden)"
            )
            _analytics(store, write)
            _report(store, write, path.with_name(f"{path.stem}.report.html"))
            acme = store.query(TicketQuery(fields={"carrier": "ACME Freight"}))
            write(f"tickets with carrier ACME Freight: {[t.reference for t in acme.tickets]}")
        with SQLiteTicketStore(path) as reopened:
            for ticket_id in ticket_ids:
                if replay(reopened.journal(ticket_id)) != reopened.get(ticket_id):
                    raise RuntimeError(
                        f"{ticket_id}: the journal does not replay"
                    )  # pragma: no cover
            write(f"reopened {path.name}: every journal replays to its snapshot")
    return 0


def _duration(text: str) -> timedelta:
    try:
        return parse_duration(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _batch(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 1 <= value <= 10_000:  # noqa: PLR2004 - Desk.tick's own bound
        raise argparse.ArgumentTypeError(f"invalid batch {text!r}: a whole number, 1 to 10000")
    return value


def _schema(text: str) -> str:
    from .storage._postgres import SCHEMA_NAME  # noqa: PLC0415 - only the worker needs it

    if SCHEMA_NAME.fullmatch(text) is None:
        raise argparse.ArgumentTypeError(
            f"invalid schema {text!r}: a lower-case SQL identifier (letters, digits and _,"
            " at most 63 characters)"
        )
    return text


def _worker_parser(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
) -> argparse.ArgumentParser:
    work = commands.add_parser(
        "worker",
        help="tick and deliver the outbox in a loop; many may share a store; stop with SIGTERM",
    )
    work.add_argument(
        "--db", required=True, metavar="PATH_OR_URL", help="a SQLite file or a postgresql:// URL"
    )
    work.add_argument(
        "--schema",
        type=_schema,
        metavar="NAME",
        help="PostgreSQL only: the schema that holds the store (ticketflow)",
    )
    work.add_argument(
        "--config",
        required=True,
        metavar="MODULE:CALLABLE",
        help="called with the store; returns a WorkerSetup (or a Desk)",
    )
    work.add_argument(
        "--tick-every",
        type=_duration,
        default="30s",
        metavar="DURATION",
        help="how long to wait when nothing is left to do (30s)",
    )
    work.add_argument("--dispatch", action="store_true", help="deliver the outbox too")
    work.add_argument(
        "--batch", type=_batch, default=100, metavar="N", help="tickets or messages per claim (100)"
    )
    work.add_argument(
        "--lease",
        type=_duration,
        default="5m",
        metavar="DURATION",
        help="how long a claim holds its tickets or messages (5m)",
    )
    work.add_argument("--worker", metavar="NAME", help="the name claims are taken under (host:pid)")
    work.add_argument("--once", action="store_true", help="work until nothing is left, then exit")
    work.add_argument("--log-level", default="INFO", choices=("DEBUG", "INFO", "WARNING", "ERROR"))
    return work


def _work(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    if args.schema is not None and not is_postgres_url(args.db):
        parser.error("argument --schema: only a postgresql:// URL has schemas")

    logging.basicConfig(
        level=args.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    options = WorkerOptions(
        tick_every=args.tick_every,
        dispatch=args.dispatch,
        batch=args.batch,
        lease=args.lease,
        worker=args.worker,
        once=args.once,
    )
    return serve(args.db, args.config, options, schema=args.schema)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line."""
    parser = argparse.ArgumentParser(prog="ticketflow", description="ticketflow command line")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("demo", help="run the end-to-end demo on SQLite")
    run.add_argument("--db", type=Path, help="the SQLite file to use (default: a temporary one)")
    gate = commands.add_parser(
        "mailgate",
        help="take in one e-mail from stdin (for an MTA pipe); exit 0 handled, 75 retry later",
    )
    gate.add_argument("--db", type=Path, required=True, help="the SQLite store")
    gate.add_argument("--json", action="store_true", help="print the outcome as JSON")
    gate.add_argument("--address", help="the desk's address (default: $TICKETFLOW_MAIL_ADDRESS)")
    gate.add_argument("--attachments", type=Path, help="where attachments go (<db>.attachments)")
    gate.add_argument("--desk", metavar="MODULE:CALLABLE", help="builds the Desk from the store")
    gate.add_argument(
        "--timeout", type=float, default=10.0, help="seconds to wait for a busy store (10)"
    )
    rep = commands.add_parser("report", help="print a desk's report; write HTML, CSV, JSON")
    rep.add_argument("--db", type=Path, required=True, help="the SQLite store (read only)")
    rep.add_argument("--since", metavar="DATE", help="tickets created on or after YYYY-MM-DD")
    rep.add_argument("--by", default="category", metavar="FIELD", help="drivers' dimension")
    rep.add_argument("--html", type=Path, metavar="FILE", help="write the HTML page there")
    rep.add_argument("--csv", type=Path, metavar="FILE", help="x.csv: x.<table>.csv per table")
    rep.add_argument("--json", action="store_true", help="print every table as JSON")
    rep.add_argument(
        "--calendar", metavar="MODULE:ATTR", help="the host's BusinessCalendar: business time"
    )
    rep.add_argument("--tz", metavar="ZONE", help="IANA zone of the periods and of --hours")
    rep.add_argument(
        "--hours",
        action="append",
        default=[],
        metavar="DAYS=HH:MM-HH:MM",
        help="open hours (repeatable; mon-fri=09:00-17:00): business time",
    )
    rep.add_argument(
        "--holiday", action="append", default=[], metavar="DATE", help="closed day, with --hours"
    )
    worker = _worker_parser(commands)
    args = parser.parse_args(argv)
    if args.command == "worker":
        return _work(args, worker)
    if args.command == "report":
        from .analytics._report_cli import report  # noqa: PLC0415 - only the report needs it

        return report(
            args.db,
            write=lambda text: print(text, end=""),
            warn=lambda text: print(text, file=sys.stderr),
            progress=sys.stderr.isatty(),
            since=args.since,
            by=args.by,
            html=args.html,
            csv=args.csv,
            as_json=args.json,
            calendar=args.calendar,
            tz=args.tz,
            hours=args.hours,
            holidays=args.holiday,
        )
    if args.command == "mailgate":
        from .intake._mailgate import mailgate  # noqa: PLC0415 - only the gateway needs it

        return mailgate(
            args.db,
            stdin=sys.stdin.buffer,
            write=print,
            warn=lambda text: print(text, file=sys.stderr),
            as_json=args.json,
            address=args.address,
            attachments=args.attachments,
            desk_factory=args.desk,
            timeout=args.timeout,
        )
    return demo(args.db)


if __name__ == "__main__":
    sys.exit(main())
