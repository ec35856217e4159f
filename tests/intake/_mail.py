"""Raw e-mail for the intake service tests, written the way a mail client would."""

from __future__ import annotations

from collections.abc import Mapping

DESK_ADDRESS = "support@desk.example"
SECRET = b"intake-tests-secret-0123456789ab"


def mail(
    *,
    sender: str = "carol@example.com",
    to: str = DESK_ADDRESS,
    subject: str = "Printer on floor 3 is jammed again",
    message_id: str | None = "<c1@example.com>",
    body: str = "The printer on floor 3 jams on every job since this morning; tray 2 blinks.\n",
    headers: Mapping[str, str] | None = None,
) -> bytes:
    """Return a plain-text message; ``headers`` adds (or, named again, replaces) fields."""
    fields = {"From": sender, "To": to, "Subject": subject}
    if message_id is not None:
        fields["Message-ID"] = message_id
    fields.update(headers or {})
    fields["Content-Type"] = "text/plain; charset=utf-8"
    head = "".join(f"{name}: {value}\r\n" for name, value in fields.items())
    return (head + "\r\n" + body.replace("\n", "\r\n")).encode("utf-8")


def with_headers(raw: bytes, **headers: str) -> bytes:
    """Return ``raw`` with more header fields in front (``In_Reply_To`` -> ``In-Reply-To``)."""
    newline = b"\r\n" if b"\r\n" in raw else b"\n"
    head = b"".join(
        f"{name.replace('_', '-')}: {value}".encode() + newline for name, value in headers.items()
    )
    return head + raw
