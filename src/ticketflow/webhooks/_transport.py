"""How a webhook reaches its receiver: one POST, through a transport the host may replace.

:class:`WebhookTransport` is one method. :class:`HttpTransport` is the standard library's
``http.client``, which follows no redirect, so a 3xx comes back as the status it is (and the
dispatcher counts it a failure, as the Standard Webhooks specification asks).
:class:`RecordingTransport` is the fake for tests: it keeps every request and answers from a
script.
"""

from __future__ import annotations

import http.client
import ssl
import threading
from collections.abc import Iterable, Mapping
from typing import Final, Protocol, runtime_checkable
from urllib.parse import SplitResult, urlsplit

import attrs

from .._values import text_problem
from ..exceptions import InvalidValueError, WebhookDeliveryError

__all__ = [
    "MAX_URL_LENGTH",
    "HttpTransport",
    "RecordedRequest",
    "RecordingTransport",
    "WebhookTransport",
    "check_timeout",
    "check_url",
]

MAX_URL_LENGTH: Final = 2048
"""The longest endpoint URL, in characters."""

_MAX_TIMEOUT: Final = 300.0
# What is read of a receiver's answer; the rest is left unread when the connection closes.
_MAX_ANSWER: Final = 64 * 1024


def _split(value: object) -> SplitResult:
    problem = text_problem(value, empty=False, single_line=True, max_length=MAX_URL_LENGTH)
    if problem is not None:
        raise InvalidValueError("url", value, problem)
    assert isinstance(value, str)  # noqa: S101 - text_problem checked it
    if any(character.isspace() or ord(character) < 0x20 for character in value):  # noqa: PLR2004
        raise InvalidValueError("url", value, "must not contain spaces or control characters")
    if not value.isascii():
        raise InvalidValueError("url", value, "must be ASCII (percent-encode the rest)")
    try:
        parts = urlsplit(value)
        port = parts.port  # raises for a port out of range or not a number
    except ValueError as error:
        raise InvalidValueError("url", value, f"is not a URL: {error}") from None
    if parts.scheme.lower() not in {"http", "https"}:
        raise InvalidValueError("url", value, "must be an http or https URL")
    if not parts.hostname:
        raise InvalidValueError("url", value, "must name a host")
    if parts.username is not None or parts.password is not None:
        raise InvalidValueError("url", value, "must not carry credentials (sign, don't log in)")
    if parts.fragment or value.endswith("#"):
        raise InvalidValueError("url", value, "must not have a fragment")
    if port == 0:
        raise InvalidValueError("url", value, "port 0 is no port")
    return parts


def check_url(value: object) -> str:
    """Return ``value`` if it is an absolute http or https URL a webhook can be sent to.

    ASCII, on one line, at most :data:`MAX_URL_LENGTH` characters, with a host, and without
    credentials or a fragment.

    Raises:
        InvalidValueError: It is not (field ``url``).
    """
    _split(value)
    return value  # type: ignore[return-value]


def check_timeout(value: object) -> float:
    """Return ``value`` as seconds if it is a number above 0 and at most 300.

    Raises:
        InvalidValueError: It is not (field ``timeout``).
    """
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidValueError("timeout", value, "must be a number of seconds")
    if not 0 < value <= _MAX_TIMEOUT:
        raise InvalidValueError("timeout", value, "must be above 0 and at most 300 seconds")
    return float(value)


@runtime_checkable
class WebhookTransport(Protocol):
    """Sends one webhook: what :class:`WebhookDispatcher` needs of HTTP.

    .. versionadded:: 0.2
    """

    def send(self, url: str, headers: Mapping[str, str], body: bytes, timeout: float) -> int:
        """POST ``body`` with ``headers`` to ``url`` and return the answer's HTTP status.

        Follows no redirect. Any status is returned, not raised: the caller decides.

        Raises:
            WebhookDeliveryError: No answer came (``timeout``, ``unreachable``,
                ``protocol``).
        """
        ...


def _headers(value: object) -> dict[str, str]:
    if not isinstance(value, Mapping):
        raise InvalidValueError("headers", value, "must map header names to values")
    headers: dict[str, str] = {}
    for name, text in value.items():
        for part in (name, text):
            if not isinstance(part, str) or not part.isascii() or "\r" in part or "\n" in part:
                raise InvalidValueError(f"headers[{name!r}]", text, "must be single-line ASCII")
        headers[name] = text
    return headers


def _body(value: object) -> bytes:
    if not isinstance(value, bytes | bytearray):
        raise InvalidValueError("body", value, "must be bytes")
    return bytes(value)


class HttpTransport:
    """A :class:`WebhookTransport` on the standard library's ``http.client``.

    One connection per request, closed after it; the answer's body is read up to 64 KiB and
    dropped. The timeout bounds connecting and each wait for the receiver (not the whole
    exchange). HTTPS verifies the receiver's certificate with ``ssl_context`` (default: the
    system's trusted certificates).

    Args:
        ssl_context: For ``https`` URLs; ``None`` uses :func:`ssl.create_default_context`.

    Raises:
        InvalidValueError: ``ssl_context`` is not an :class:`ssl.SSLContext` or ``None``.

    .. versionadded:: 0.2
    """

    def __init__(self, *, ssl_context: ssl.SSLContext | None = None) -> None:
        if ssl_context is not None and not isinstance(ssl_context, ssl.SSLContext):
            raise InvalidValueError("ssl_context", ssl_context, "must be an SSLContext or None")
        self._ssl_context = ssl_context
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return "HttpTransport()"

    def send(self, url: str, headers: Mapping[str, str], body: bytes, timeout: float) -> int:
        """POST ``body`` to ``url``; return the status (a redirect is not followed).

        Raises:
            InvalidValueError: An argument is out of its domain (``url`` as for
                :class:`WebhookEndpoint`).
            WebhookDeliveryError: No answer came (``timeout``, ``unreachable``,
                ``protocol``).
        """
        parts = _split(url)
        fields = _headers(headers)
        data = _body(body)
        seconds = check_timeout(timeout)
        connection = self._connection(parts, seconds)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        try:
            connection.request("POST", target, body=data, headers=fields)
            response = connection.getresponse()
            response.read(_MAX_ANSWER)
            status = response.status
        except TimeoutError as error:
            raise WebhookDeliveryError("timeout", url, f"no answer in {seconds:g} s") from error
        except http.client.HTTPException as error:
            problem = f"the answer is not HTTP: {type(error).__name__}: {error}"
            raise WebhookDeliveryError("protocol", url, problem) from error
        except OSError as error:
            problem = f"cannot connect: {type(error).__name__}: {error}"
            raise WebhookDeliveryError("unreachable", url, problem) from error
        finally:
            connection.close()
        return status

    def _connection(self, parts: SplitResult, timeout: float) -> http.client.HTTPConnection:
        host = parts.hostname or ""
        if parts.scheme.lower() == "https":
            with self._lock:
                # Loading the trusted certificates takes a while: once per transport.
                if self._ssl_context is None:
                    self._ssl_context = ssl.create_default_context()
                context = self._ssl_context
            return http.client.HTTPSConnection(host, parts.port, timeout=timeout, context=context)
        return http.client.HTTPConnection(host, parts.port, timeout=timeout)


def _request_url(value: str) -> str:
    return check_url(value)


def _request_headers(value: Mapping[str, str]) -> dict[str, str]:
    return _headers(value)


def _request_body(value: bytes) -> bytes:
    return _body(value)


def _request_timeout(value: float) -> float:
    return check_timeout(value)


@attrs.frozen
class RecordedRequest:
    """One request a :class:`RecordingTransport` was given.

    Attributes:
        url: Where it was to go (checked as :class:`WebhookEndpoint` checks it).
        headers: Its headers, a copy (single-line ASCII names and values).
        body: Its body.
        timeout: Its timeout, in seconds.

    Raises:
        InvalidValueError: An attribute is out of its domain; ``field`` names it.

    .. versionadded:: 0.2
    """

    url: str = attrs.field(converter=_request_url)
    headers: Mapping[str, str] = attrs.field(converter=_request_headers)
    body: bytes = attrs.field(converter=_request_body)
    timeout: float = attrs.field(converter=_request_timeout)


def _outcome(index: int, value: object) -> int | WebhookDeliveryError:
    if isinstance(value, WebhookDeliveryError):
        return value
    if type(value) is not int or not 100 <= value <= 599:  # noqa: PLR2004
        raise InvalidValueError(
            f"responses[{index}]", value, "must be an HTTP status (100-599) or WebhookDeliveryError"
        )
    return value


class RecordingTransport:
    """A :class:`WebhookTransport` for tests: records every request, answers from a script.

    Each request takes the next of ``responses``: a status is returned, a
    :class:`~ticketflow.WebhookDeliveryError` raised. When they run out, ``then`` is returned.
    Thread-safe.

    Args:
        responses: The scripted answers, in order.
        then: The status after the script (default 200).

    Raises:
        InvalidValueError: A response is neither an HTTP status (100 to 599) nor a
            ``WebhookDeliveryError``; ``then`` is no status.

    Example::

        transport = RecordingTransport([500, 503])  # fails twice, then answers 200

    .. versionadded:: 0.2
    """

    def __init__(
        self, responses: Iterable[int | WebhookDeliveryError] = (), *, then: int = 200
    ) -> None:
        given: object = responses
        if isinstance(given, str | bytes) or not isinstance(given, Iterable):
            raise InvalidValueError("responses", given, "must be a sequence of answers")
        self._script = [_outcome(index, value) for index, value in enumerate(given)]
        if type(then) is not int or not 100 <= then <= 599:  # noqa: PLR2004
            raise InvalidValueError("then", then, "must be an HTTP status (100-599)")
        self._then = then
        self._requests: list[RecordedRequest] = []
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"RecordingTransport(<{len(self._requests)} requests>)"

    @property
    def requests(self) -> tuple[RecordedRequest, ...]:
        """Every request so far, in order."""
        with self._lock:
            return tuple(self._requests)

    def send(self, url: str, headers: Mapping[str, str], body: bytes, timeout: float) -> int:
        """Record the request and answer with the next scripted response.

        Raises:
            InvalidValueError: An argument is out of its domain.
            WebhookDeliveryError: The script says so.
        """
        request = RecordedRequest(url, headers, body, timeout)
        with self._lock:
            self._requests.append(request)
            outcome = self._script.pop(0) if self._script else self._then
        if isinstance(outcome, WebhookDeliveryError):
            raise outcome
        return outcome
