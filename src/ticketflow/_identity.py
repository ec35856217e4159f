"""Whether two e-mail addresses name the same mailbox: the one rule, used everywhere.

Mail systems compare the domain case-insensitively and leave the local part to the receiving
host; nearly every host ignores ASCII case there and nothing else. So: the domain is compared
as its IDNA A-label form with ASCII case ignored (``Bücher.Example`` and
``xn--bcher-kva.example`` are one domain), and the local part exactly but for ASCII case.

Full Unicode case folding is never used: it maps different mailboxes onto one string
(``straße`` and ``strasse``, the Kelvin sign and ``k``, the ligature ``ﬀ`` and ``ff``), and
the owner of one would read and write the other's tickets.
"""

from __future__ import annotations

from typing import Final

__all__ = ["address_problem", "mailbox_key", "same_mailbox"]

_ASCII_LOWER: Final = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
_MAX_ADDRESS: Final = 254  # RFC 5321: a forward path holds at most 254 characters of address


def address_problem(value: str) -> str | None:
    """Return what keeps ``value`` (already a clean single line) from being an address."""
    if len(value) > _MAX_ADDRESS:
        return f"an e-mail address has at most {_MAX_ADDRESS} characters"
    local, at, domain = value.rpartition("@")
    if not at or not local or not domain.rstrip("."):
        return "must be an e-mail address (local@domain)"
    if any(c.isspace() for c in value):
        return "an e-mail address has no white space"
    if _domain_key(domain) is None:
        return "the domain is not a valid IDNA domain name"
    return None


def _label_key(label: str) -> str | None:
    if label.isascii():
        return label.translate(_ASCII_LOWER)
    try:
        return "xn--" + label.translate(_ASCII_LOWER).encode("punycode").decode("ascii")
    except UnicodeError:
        return None


def _domain_key(domain: str) -> str | None:
    domain = domain.removesuffix(".")  # the root: "example.com." is "example.com"
    labels = [_label_key(label) for label in domain.split(".")]
    if any(not label for label in labels):
        return None
    return ".".join(labels)  # type: ignore[arg-type]


def mailbox_key(address: str) -> str | None:
    """Return the key under which ``address`` is compared, or ``None`` if it is no address.

    Two addresses name the same mailbox exactly when their keys are equal and not ``None``.
    """
    local, at, domain = address.rpartition("@")
    if not at or not local:
        return None
    key = _domain_key(domain)
    if not key:
        return None
    return f"{local.translate(_ASCII_LOWER)}@{key}"


def same_mailbox(a: str, b: str) -> bool:
    """Return whether the addresses ``a`` and ``b`` name the same mailbox.

    The domain is compared case-insensitively in its IDNA form; the local part exactly, except
    for ASCII case. Anything that is not an address names no mailbox (never equal).

    >>> same_mailbox("Alice@Example.COM", "alice@example.com")
    True
    >>> same_mailbox("straße@example.com", "strasse@example.com")
    False

    .. versionadded:: 0.1
    """
    if type(a) is not str or type(b) is not str:
        return False
    key = mailbox_key(a)
    return key is not None and key == mailbox_key(b)
