"""Every error ticketflow raises, as one tree.

Each error subclasses :class:`TicketflowError` *and* the builtin it behaves like, so a host can
catch either.  Every error carries a stable machine-readable ``code`` and structured attributes;
the message is for people, the attributes are for programs.

.. code-block:: text

    TicketflowError(Exception)
    ├── InvalidTransitionError(ValueError)       code "invalid_transition"
    ├── AccessDeniedError(PermissionError)       code "access_denied"
    │   └── PermissionDeniedError                code "permission_denied"
    ├── CheckFailedError(ValueError)             code "check_failed"
    ├── WorkflowDefinitionError(ValueError)      code "invalid_workflow"
    ├── InvalidValueError(ValueError)            code "invalid_value"
    │   └── NaiveDatetimeError                   code "naive_datetime"
    ├── DeserializationError(ValueError)         code "invalid_data"
    ├── JournalError(ValueError)                 code "invalid_journal"
    ├── TicketNotFoundError(LookupError)         code "ticket_not_found"
    ├── RecordNotFoundError(LookupError)         code "record_not_found"
    ├── ConflictError(RuntimeError)              code "conflict"
    │   └── ClaimTakenError                      code "claim_taken"
    ├── ClockSkewError(RuntimeError)             code "clock_skew"
    ├── ConfigurationError(RuntimeError)         code "not_configured"
    ├── WebhookDeliveryError(ConnectionError)    code "webhook_not_delivered"
    ├── StoreError(RuntimeError)                 code "store_error"
    │   ├── NotATicketflowStoreError             code "not_a_ticketflow_store"
    │   └── SchemaVersionError                   code "unsupported_schema_version"
    ├── CalendarError(ValueError)                code "invalid_calendar"
    ├── IntakeError(ValueError)                  code "invalid_intake"
    ├── TaxonomyError(ValueError)                code "invalid_taxonomy"
    ├── UnknownCategoryError(ValueError)         code "unknown_category"
    ├── WebhookVerificationError(ValueError)     code "invalid_webhook"
    ├── DoneCriteriaNotMetError(ValueError)      code "done_criteria_not_met"
    ├── ConfirmationRequiredError(ValueError)    code "confirmation_required"
    ├── FixNotVerifiedError(ValueError)          code "fix_not_verified"
    └── PluginError(ValueError)                  code "invalid_plugin"
        └── UnknownStrategyError(LookupError)    code "unknown_strategy"

``IntakeError.problems`` holds :class:`IntakeProblem` values (where, what, why).
``WebhookVerificationError.reason`` says which rule a webhook (or its secret) broke.

.. versionadded:: 0.1
"""

import collections.abc as _abc
import datetime as _dt  # noqa: ICN001 - private alias: nothing leaks from this module
import typing as _typing

from ._shown import shown as _shown

__all__ = [
    "AccessDeniedError",
    "CalendarError",
    "CheckFailedError",
    "CheckFailure",
    "ClaimTakenError",
    "ClockSkewError",
    "ConfigurationError",
    "ConfirmationRequiredError",
    "ConflictError",
    "DeserializationError",
    "DoneCriteriaNotMetError",
    "FixNotVerifiedError",
    "IntakeError",
    "IntakeProblem",
    "InvalidTransitionError",
    "InvalidValueError",
    "JournalError",
    "NaiveDatetimeError",
    "NotATicketflowStoreError",
    "PermissionDeniedError",
    "PluginError",
    "RecordNotFoundError",
    "SchemaVersionError",
    "StoreError",
    "TaxonomyError",
    "TicketNotFoundError",
    "TicketflowError",
    "UnknownCategoryError",
    "UnknownStrategyError",
    "WebhookDeliveryError",
    "WebhookVerificationError",
    "WorkflowDefinitionError",
]


def _plain(value: object) -> str:
    # A status as it reads in a sentence; anything else as _shown shows it.
    return value if isinstance(value, str) and len(value) <= 200 else _shown(value)  # noqa: PLR2004


class TicketflowError(Exception):
    """The base of every error ticketflow raises on purpose.

    Every error pickles: it crosses a process boundary (a worker pool, a queue) as itself,
    with its attributes, when they pickle.
    """

    code: _typing.ClassVar[str] = "ticketflow_error"

    def __reduce__(self) -> tuple[object, ...]:
        # Rebuilt from its attributes: unpickling must not call __init__ with the message,
        # since every error's __init__ takes the structured facts instead.
        return (_restore, (type(self), self.args, dict(vars(self))))


def _restore(
    cls: type[TicketflowError], args: tuple[object, ...], state: dict[str, object]
) -> TicketflowError:
    error = cls.__new__(cls, *args)
    error.args = args
    vars(error).update(state)
    return error


class InvalidTransitionError(TicketflowError, ValueError):
    """A status change that is not an edge of the workflow.

    Attributes:
        ticket_id: The ticket that was asked to move.
        source: Its status before the attempt (unchanged).
        target: The status that was asked for.
    """

    code: _typing.ClassVar[str] = "invalid_transition"

    def __init__(self, ticket_id: str, source: str, target: str) -> None:
        self.ticket_id = ticket_id
        self.source = source
        self.target = target
        super().__init__(
            f"ticket {ticket_id}: {_plain(source)} -> {_plain(target)} is not an edge of the"
            " workflow"
        )


class AccessDeniedError(TicketflowError, PermissionError):
    """The actor may not do this: their role may not run the command, or not on this value.

    Attributes:
        action: What was refused (a command name such as ``assign``, or ``submit for others``).
        role: The role of the actor who asked.
        allowed: The roles that may do it (empty where no role may).
    """

    code: _typing.ClassVar[str] = "access_denied"

    def __init__(
        self, action: str, role: str, allowed: _abc.Iterable[str] = (), detail: str = ""
    ) -> None:
        self.action = action
        self.role = str(role)
        self.allowed = tuple(sorted(str(r) for r in allowed))
        self.detail = detail
        who = ", ".join(self.allowed) or "nobody"
        super().__init__(
            f"role {self.role} may not {action}"
            + (f": {detail}" if detail else f" (allowed: {who})")
        )


class PermissionDeniedError(AccessDeniedError):
    """The actor's role is not allowed to take this edge of the workflow.

    Attributes:
        ticket_id: The ticket that was asked to move.
        source: Its status.
        target: The status that was asked for.
        role: The role of the actor who asked.
        allowed: The roles that may take the edge.
    """

    code: _typing.ClassVar[str] = "permission_denied"

    def __init__(
        self, ticket_id: str, source: str, target: str, role: str, allowed: _abc.Iterable[str]
    ) -> None:
        self.ticket_id = ticket_id
        self.source = str(source)
        self.target = str(target)
        super().__init__(f"move ticket {ticket_id} {source!s} -> {target!s}", role, allowed)


class CheckFailure:
    """One failed check: its name and the reason it gave."""

    __slots__ = ("name", "reason")

    def __init__(self, name: str, reason: str) -> None:
        self.name = name
        self.reason = reason

    def __repr__(self) -> str:
        return f"CheckFailure(name={self.name!r}, reason={self.reason!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, CheckFailure):
            return NotImplemented
        return (self.name, self.reason) == (other.name, other.reason)

    def __hash__(self) -> int:
        return hash((self.name, self.reason))


class CheckFailedError(TicketflowError, ValueError):
    """One or more checks on an edge failed; every failure is listed.

    Attributes:
        ticket_id: The ticket that was asked to move.
        source: Its status.
        target: The status that was asked for.
        failures: Every failed check, in the order the workflow declares them.
    """

    code: _typing.ClassVar[str] = "check_failed"

    def __init__(
        self, ticket_id: str, source: str, target: str, failures: _abc.Sequence[CheckFailure]
    ) -> None:
        self.ticket_id = ticket_id
        self.source = source
        self.target = target
        self.failures = tuple(failures)
        listed = "; ".join(f"{f.name}: {f.reason}" for f in self.failures)
        super().__init__(f"ticket {ticket_id}: {source!s} -> {target!s} refused: {listed}")


class WorkflowDefinitionError(TicketflowError, ValueError):
    """A workflow definition is malformed; every problem is listed.

    Attributes:
        problems: One human-readable line per problem, naming the offending statuses.
    """

    code: _typing.ClassVar[str] = "invalid_workflow"

    def __init__(self, problems: _abc.Sequence[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("invalid workflow: " + "; ".join(self.problems))


class InvalidValueError(TicketflowError, ValueError):
    """A value handed to ticketflow is out of its domain.

    Attributes:
        field: Where the value was (a dotted path such as ``requester.email``).
        value: The offending value.
    """

    code: _typing.ClassVar[str] = "invalid_value"

    def __init__(self, field: str, value: object, problem: str) -> None:
        self.field = field
        self.value = value
        self.problem = problem
        super().__init__(f"{field}: {problem} (got {_shown(value)})")


class NaiveDatetimeError(InvalidValueError):
    """A datetime without a time zone was given where an aware one is required."""

    code: _typing.ClassVar[str] = "naive_datetime"

    def __init__(self, field: str, value: object) -> None:
        super().__init__(field, value, "datetime must be timezone-aware")


class DeserializationError(TicketflowError, ValueError):
    """Serialized data could not be turned back into a value; every bad field is listed.

    Attributes:
        errors: ``(path, message)`` pairs, one per bad field, e.g. ``("$.requester.email",
            "missing")``.
    """

    code: _typing.ClassVar[str] = "invalid_data"

    def __init__(self, type_name: str, errors: _abc.Sequence[tuple[str, str]]) -> None:
        self.type_name = type_name
        self.errors = tuple(errors)
        listed = "; ".join(f"{path}: {message}" for path, message in self.errors)
        super().__init__(f"cannot read {type_name}: {listed}")


class JournalError(TicketflowError, ValueError):
    """An event does not fit the ticket it is applied to (wrong ticket, version or status).

    Attributes:
        ticket_id: The ticket the event names.
        version: The version the event carries.
    """

    code: _typing.ClassVar[str] = "invalid_journal"

    def __init__(self, ticket_id: str, version: int, problem: str) -> None:
        self.ticket_id = ticket_id
        self.version = version
        self.problem = problem
        super().__init__(f"ticket {ticket_id} event version {version}: {problem}")


class TicketNotFoundError(TicketflowError, LookupError):
    """No ticket with this id (or number) exists.

    Attributes:
        key: The id or number that was looked up.
    """

    code: _typing.ClassVar[str] = "ticket_not_found"

    def __init__(self, key: str | int) -> None:
        self.key = key
        super().__init__(f"no ticket {_shown(key)}")


class RecordNotFoundError(TicketflowError, LookupError):
    """No record of this kind with this id (a rejected-intake record, say).

    Attributes:
        kind: What was looked for, e.g. ``rejected_intake``.
        record_id: The id asked for.
    """

    code: _typing.ClassVar[str] = "record_not_found"

    def __init__(self, kind: str, record_id: str) -> None:
        self.kind = kind
        self.record_id = record_id
        super().__init__(f"no {kind} record {_shown(record_id)}")


class ConflictError(TicketflowError, RuntimeError):
    """A commit expected another version of the ticket than the store holds; nothing was written.

    Attributes:
        ticket_id: The ticket.
        expected: The version the writer based its change on.
        actual: The version the store holds (``None`` if the ticket does not exist).
    """

    code: _typing.ClassVar[str] = "conflict"

    def __init__(self, ticket_id: str, expected: int, actual: int | None) -> None:
        self.ticket_id = ticket_id
        self.expected = expected
        self.actual = actual
        super().__init__(
            f"ticket {ticket_id}: expected version {expected}, store has {actual}; nothing written"
        )


class ClaimTakenError(ConflictError):
    """A commit claimed a unique key that another ticket holds; nothing was written.

    Intake claims each e-mail's Message-ID and each form's idempotency key in the commit that
    creates the ticket, so two workers taking in the same message at once make one ticket: the
    second commit raises this, and its caller answers with the holder.

    Attributes:
        key: The key.
        holder: The ticket that holds it.
    """

    code: _typing.ClassVar[str] = "claim_taken"

    def __init__(self, ticket_id: str, key: str, holder: str) -> None:
        self.key = key
        self.holder = holder
        TicketflowError.__init__(
            self,
            f"ticket {ticket_id}: key {_shown(key)} is held by ticket {holder}; nothing written",
        )
        self.ticket_id = ticket_id
        self.expected = 0
        self.actual = None


class ClockSkewError(TicketflowError, RuntimeError):
    """The clock is behind the ticket's last event by more than the tolerated skew.

    Stamping the event at the ticket's last instant would hide a broken clock, and stamping it
    at the clock's instant would put the journal out of order, so nothing was written. Fix
    the clock (see "Repairing a ticket stamped by a broken clock" in the docs).

    Attributes:
        ticket_id: The ticket.
        now: What the clock said.
        last_event_at: When the ticket's last event happened.
        tolerance: The largest skew the desk accepts.
    """

    code: _typing.ClassVar[str] = "clock_skew"

    def __init__(
        self,
        ticket_id: str,
        now: _dt.datetime,
        last_event_at: _dt.datetime,
        tolerance: _dt.timedelta,
    ) -> None:
        self.ticket_id = ticket_id
        self.now = now
        self.last_event_at = last_event_at
        self.tolerance = tolerance
        super().__init__(
            f"ticket {ticket_id}: the clock says {now.isoformat()}, but the ticket's last event"
            f" happened at {last_event_at.isoformat()} (more than {tolerance} later); nothing"
            " written"
        )


class ConfigurationError(TicketflowError, RuntimeError):
    """The desk (or a service) lacks a configuration that the call needs.

    Attributes:
        setting: The missing or unusable setting, e.g. ``sla``.
    """

    code: _typing.ClassVar[str] = "not_configured"

    def __init__(self, setting: str, problem: str) -> None:
        self.setting = setting
        self.problem = problem
        super().__init__(f"{setting}: {problem}")


class StoreError(TicketflowError, RuntimeError):
    """A store cannot be used as it is."""

    code: _typing.ClassVar[str] = "store_error"


class NotATicketflowStoreError(StoreError):
    """The file or database is not a ticketflow store; it was not modified.

    Attributes:
        location: Where the store was looked for.
    """

    code: _typing.ClassVar[str] = "not_a_ticketflow_store"

    def __init__(self, location: str, reason: str) -> None:
        self.location = location
        self.reason = reason
        super().__init__(f"{location} is not a ticketflow store ({reason}); it was not modified")


class SchemaVersionError(StoreError):
    """The store's schema is newer than this ticketflow understands; it was not modified.

    Attributes:
        location: Where the store is.
        found: The schema version found.
        supported: The newest schema version this release can use.
    """

    code: _typing.ClassVar[str] = "unsupported_schema_version"

    def __init__(self, location: str, found: int, supported: int) -> None:
        self.location = location
        self.found = found
        self.supported = supported
        super().__init__(
            f"{location} has schema version {found}; this ticketflow supports up to {supported}."
            " Upgrade ticketflow; the store was not modified"
        )


class CalendarError(TicketflowError, ValueError):
    """A business calendar definition is malformed.

    Attributes:
        where: The part of the definition at fault (e.g. ``hours['mon-fri'][1]``).
    """

    code: _typing.ClassVar[str] = "invalid_calendar"

    def __init__(self, where: str, problem: str) -> None:
        self.where = where
        self.problem = problem
        super().__init__(f"{where}: {problem}")


class IntakeProblem:
    """One problem with received input: where it is, a machine code, and what is wrong.

    The same shape reports what an intake parser repaired (an e-mail's ``defects``) and what
    made it give up (:attr:`IntakeError.problems`).

    Attributes:
        path: Where the problem is, e.g. ``subject``, ``body[1]`` or ``$.requester.email``.
        code: A stable machine-readable code, e.g. ``unknown_charset`` or ``too_large``.
        message: What is wrong, for people.
    """

    __slots__ = ("code", "message", "path")

    def __init__(self, path: str, code: str, message: str) -> None:
        self.path = str(path)
        self.code = str(code)
        self.message = str(message)

    def __repr__(self) -> str:
        return f"IntakeProblem(path={self.path!r}, code={self.code!r}, message={self.message!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, IntakeProblem):
            return NotImplemented
        return (self.path, self.code, self.message) == (other.path, other.code, other.message)

    def __hash__(self) -> int:
        return hash((self.path, self.code, self.message))


class IntakeError(TicketflowError, ValueError):
    """Received input (a form payload, an e-mail) cannot be taken in; every problem is listed.

    Attributes:
        problems: One :class:`IntakeProblem` per problem, in the order they were found.
    """

    code: _typing.ClassVar[str] = "invalid_intake"

    def __init__(self, problems: _abc.Iterable[IntakeProblem]) -> None:
        self.problems = tuple(problems)
        listed = "; ".join(f"{p.path}: {p.message} [{p.code}]" for p in self.problems)
        super().__init__(f"cannot take this in: {listed or 'no reason given'}")


class TaxonomyError(TicketflowError, ValueError):
    """A category taxonomy is malformed; every problem is listed.

    Attributes:
        problems: One human-readable line per problem, naming the offending codes.
        codes: Every offending code (or document key), sorted and without repeats.
    """

    code: _typing.ClassVar[str] = "invalid_taxonomy"

    def __init__(self, problems: _abc.Sequence[tuple[str, str]]) -> None:
        self.problems = tuple(f"{_plain(where)}: {problem}" for where, problem in problems)
        self.codes = tuple(sorted({where for where, _ in problems}))
        super().__init__("invalid taxonomy: " + ("; ".join(self.problems) or "no reason given"))


class UnknownCategoryError(TicketflowError, ValueError):
    """A category that the taxonomy does not define (nor retire); no ad-hoc buckets.

    Attributes:
        category: The code that was given.
    """

    code: _typing.ClassVar[str] = "unknown_category"

    def __init__(self, category: str) -> None:
        self.category = category
        super().__init__(f"unknown category {_shown(category)}: not in the taxonomy")


class DoneCriteriaNotMetError(TicketflowError, ValueError):
    """A resolution failed the definition of done; every failed criterion is listed.

    Nothing was written: the ticket stays as it was.

    Attributes:
        ticket_id: The ticket that was to be resolved.
        failures: Every failed criterion (its name and reason), in the order they were checked.
    """

    code: _typing.ClassVar[str] = "done_criteria_not_met"

    def __init__(self, ticket_id: str, failures: _abc.Sequence[CheckFailure]) -> None:
        self.ticket_id = ticket_id
        self.failures = tuple(failures)
        listed = "; ".join(f"{f.name}: {f.reason}" for f in self.failures)
        super().__init__(f"ticket {ticket_id} is not done: {listed or 'no reason given'}")


class ConfirmationRequiredError(TicketflowError, ValueError):
    """External-facing work is closed only on the customer's confirmation (or auto-close).

    Attributes:
        ticket_id: The ticket that was to be closed.
        reason: What is missing, for people.
    """

    code: _typing.ClassVar[str] = "confirmation_required"

    def __init__(self, ticket_id: str, reason: str) -> None:
        self.ticket_id = ticket_id
        self.reason = reason
        super().__init__(f"ticket {ticket_id} cannot be closed: {reason}")


class FixNotVerifiedError(TicketflowError, ValueError):
    """A problem is resolved or closed only once its fix is verified.

    Nothing was written: the problem stays as it was.

    Attributes:
        ticket_id: The problem that was to be resolved or closed.
        reason: What is missing (no fix recorded, the quiet period still running), for people.

    .. versionadded:: 0.2
    """

    code: _typing.ClassVar[str] = "fix_not_verified"

    def __init__(self, ticket_id: str, reason: str) -> None:
        self.ticket_id = ticket_id
        self.reason = reason
        super().__init__(f"problem {ticket_id} cannot be resolved or closed yet: {reason}")


class WebhookVerificationError(TicketflowError, ValueError):
    """A webhook, or the secret it is signed with, is not what the Standard Webhooks scheme asks.

    A receiver answers the sender's reasons with 401 and keeps the body unread; ``bad_secret``
    is the host's own configuration at fault.

    Attributes:
        reason: A stable machine-readable code: ``missing_header``, ``malformed_header`` (a
            header value that is not text, a name given twice, headers that are no mapping),
            ``bad_id``, ``bad_timestamp`` (not integer Unix seconds), ``expired`` and ``future``
            (outside the tolerance), ``malformed_signature`` (the signature list is not
            ``version,signature`` entries separated by spaces), ``not_base64``, ``no_match``
            (no ``v1`` signature matches any secret), ``bad_body`` (not bytes) or
            ``bad_secret``.
        header: The header at fault (``webhook-id``, ``webhook-timestamp``,
            ``webhook-signature``), else ``None``.
        problem: What is wrong, for people.

    .. versionadded:: 0.2
    """

    code: _typing.ClassVar[str] = "invalid_webhook"

    def __init__(self, reason: str, problem: str, *, header: str | None = None) -> None:
        self.reason = reason
        self.header = header
        self.problem = problem
        where = f"{header}: " if header is not None else ""
        super().__init__(f"webhook refused ({reason}): {where}{problem}")


class WebhookDeliveryError(TicketflowError, ConnectionError):
    """A webhook was not delivered: the receiver could not be reached or did not accept it.

    The dispatcher tries again by its schedule; after the last attempt the message becomes a
    dead letter that keeps this error's ``repr``.

    Attributes:
        reason: A stable machine-readable code: ``timeout`` (no answer in time),
            ``unreachable`` (no connection: refused, reset, name not found, TLS failed),
            ``protocol`` (the answer was not HTTP), ``status`` (an answer other than 2xx; a
            redirect too, since none is followed) or ``unsigned`` (the message cannot be
            signed: its id is no valid ``webhook-id``).
        url: Where it was sent.
        status: The HTTP status for ``status``, else ``None``.
        problem: What happened, for people.

    .. versionadded:: 0.2
    """

    code: _typing.ClassVar[str] = "webhook_not_delivered"

    def __init__(self, reason: str, url: str, problem: str, *, status: int | None = None) -> None:
        self.reason = reason
        self.url = url
        self.status = status
        self.problem = problem
        super().__init__(f"webhook not delivered to {url} ({reason}): {problem}")


class PluginError(TicketflowError, ValueError):
    """A strategy plugin was refused when it registered (or its entry point could not load).

    Attributes:
        kind: The kind of strategy, e.g. ``categorizer`` (as given, if it is no known kind).
        name: The name it registers under, e.g. ``keywords``.
        problem: What is wrong with it, for people.
        plugin: The entry point's object reference (``module:attr``) when the plugin was
            discovered, else ``None``.
        distribution: The distribution that declared the entry point, with its version, when
            known (``example-plugin 0.1``), else ``None``.
    """

    code: _typing.ClassVar[str] = "invalid_plugin"

    def __init__(
        self,
        kind: str,
        name: str,
        problem: str,
        *,
        plugin: str | None = None,
        distribution: str | None = None,
    ) -> None:
        self.kind = kind
        self.name = name
        self.problem = problem
        self.plugin = plugin
        self.distribution = distribution
        where = ""
        if plugin is not None:
            where = f" (entry point {_plain(plugin)}"
            where += f" in {_plain(distribution)})" if distribution is not None else ")"
        what = f"{_plain(kind)} strategy" if kind else "strategy"
        super().__init__(f"{what} {_shown(name)}{where}: {problem}")


class UnknownStrategyError(PluginError, LookupError):
    """No strategy of this kind is registered under this name (or the kind is unknown).

    Attributes:
        kind: The kind asked for.
        name: The name asked for.
        known: The names registered for the kind or, if the kind itself is unknown, the
            known kinds.
        kind_known: Whether the kind is known (then only the name is not).
    """

    code: _typing.ClassVar[str] = "unknown_strategy"

    def __init__(
        self, kind: str, name: str, known: _abc.Iterable[str], *, kind_known: bool = True
    ) -> None:
        self.known = tuple(known)
        self.kind_known = kind_known
        listed = ", ".join(self.known) or "none"
        problem = (
            f"not registered (registered: {listed})"
            if kind_known
            else f"no such kind of strategy (kinds: {listed})"
        )
        super().__init__(kind, name, problem)
