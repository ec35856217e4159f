"""What the sender wrote this time: the text of a reply without quoted history or signature.

Clients mark where the history starts in a few ways, each recognised here in English, German,
French, Spanish, Italian, Portuguese, Dutch, Danish, Swedish, Norwegian and Polish:

- an attribution line, ``On <date>, <name> wrote:`` (Gmail, Apple Mail and iPhone,
  Thunderbird, Yahoo, AOL), possibly wrapped over two or three lines;
- a block of header lines, ``From: ... Sent: ... To: ... Subject: ...`` (Outlook desktop and
  web, Hotmail), possibly after a rule of underscores;
- a separator, ``-----Original Message-----``, or a forwarded block, ``---------- Forwarded
  message ---------`` or ``Begin forwarded message:``;
- lines quoted with ``>``.

The reply is the text above the first of these. Where nothing is above it (a reply written
below the quote, or between quoted lines), the reply is every line that is not quoted and not
an attribution. Then the signature goes: everything from a ``-- `` line, and a trailing
sign-off such as ``Sent from my iPhone`` or its localized variants.
"""

from __future__ import annotations

import re
from typing import Final

__all__ = ["reply_text"]

_OPENERS: Final = (
    r"On|Am|Le|El|Il(?:\s+giorno)?|Em|Op|Den|På|W\s+dniu|Dnia|"
    # weekdays that start attributions without an opener (Polish, Norwegian, Danish, Swedish)
    r"pon\.?|wt\.?|śr\.?|czw\.?|pt\.?|sob\.?|niedz?\.?|man\.?|tir\.?|tirs\.?|ons\.?|tor\.?|"
    r"tors\.?|fre\.?|lør\.?|søn\.?|mån\.?|tis\.?|lör\.?|sön\.?|\d"
)
_VERBS: Final = (
    r"wrote|writes|schrieb|a\s+écrit|escribió|escribio|ha\s+scritto|scrisse|escreveu|"
    r"schreef|skrev|napisał\(a\)|napisała|napisał|pisze|geschreven"
)
# Three cheap checks rather than one regex with nested wildcards, which backtracks for long.
# Possessive quantifiers (*+, {2,}+) do not give back what they took: a line of 50 dashes is
# one step, not 50 times every alternative.
_OPENER: Final = re.compile(rf"^\s*+(?:{_OPENERS})(?:\b|\s)", re.IGNORECASE)
_VERB_ENDS: Final = re.compile(rf"(?:{_VERBS})(?:\s[^:]{{0,200}})?\s*:$", re.IGNORECASE)
_DIGIT: Final = re.compile(r"\d")
# Attributions that end in the date rather than a verb (Polish Apple Mail).
_DATE_LAST: Final = re.compile(r"^\s*+Wiadomość napisana przez\s.{0,400}:$", re.IGNORECASE)
_LONGEST_ATTRIBUTION: Final = 600
_LABEL_FROM: Final = r"From|Von|De|Da|Van|Fra|Från|Od"
_LABEL_OTHER: Final = (
    r"Sent|Gesendet|Envoyé|Enviado|Enviada|Inviato|Verzonden|Sendt|Skickat|Wysłano|"
    r"Date|Datum|Fecha|Data|Dato|"
    r"To|An|À|A|Para|Aan|Til|Till|Do|"
    r"Cc|Kopie|Kopia|"
    r"Subject|Betreff|Objet|Asunto|Oggetto|Assunto|Onderwerp|Emne|Ämne|Temat"
)
_HEADER_FROM: Final = re.compile(rf"^\s*+\*?(?:{_LABEL_FROM})\s?:\*?\s", re.IGNORECASE)
_HEADER_OTHER: Final = re.compile(rf"^\s*+\*?(?:{_LABEL_OTHER})\s?:\*?(?:\s|$)", re.IGNORECASE)
_SEPARATOR: Final = re.compile(
    r"^\s*+-{2,}+\s*+(?:"
    r"Original Message|Ursprüngliche Nachricht|Originalnachricht|Message d'origine|"
    r"Mensaje original|Messaggio originale|Mensagem original|Oorspronkelijk bericht|"
    r"Origineel bericht|Oprindelig meddelelse|Ursprungligt meddelande|Opprinnelig melding|"
    r"Wiadomość oryginalna|Oryginalna wiadomość|"
    r"Forwarded message|Forwarded Message|Weitergeleitete Nachricht|Message transféré|"
    r"Mensaje reenviado|Messaggio inoltrato|Mensagem encaminhada|Mensagem reencaminhada|"
    r"Doorgestuurd bericht|Videresendt meddelelse|Vidarebefordrat meddelande|"
    r"Videresendt melding|Wiadomość przekazana dalej|Przekazana wiadomość"
    r")\s*-{2,}\s*$",
    re.IGNORECASE,
)
_FORWARD_INTRO: Final = re.compile(
    r"^\s*+(?:Begin forwarded message|Anfang der weitergeleiteten Nachricht|"
    r"Début du message réexpédié|Début du message transféré|Inicio del mensaje reenviado|"
    r"Inizio messaggio inoltrato|Início da mensagem reencaminhada|"
    r"Início da mensagem encaminhada|Begin doorgestuurd bericht|"
    r"Start på videresendt besked|Vidarebefordrat brev|Start på videresendt melding|"
    r"Początek przekazywanej wiadomości)\s*:\s*$",
    re.IGNORECASE,
)
_RULE: Final = re.compile(r"^\s*+_{20,}+\s*$")
_SIGNATURE: Final = re.compile(r"^--\s?$")
_SIGN_OFF: Final = re.compile(
    r"^\s*+(?:Sent from|Get Outlook for|Von meinem|Gesendet von|"
    r"Gesendet mit|Envoyé de|Envoyé depuis|Obtenir Outlook|Enviado desde|Enviado de|"
    r"Enviado do|Enviado a partir do|Obtener Outlook|Inviato da|Inviato dal|Scarica Outlook|"
    r"Verstuurd vanaf|Verzonden vanaf|Verzonden met|Download Outlook|Sendt fra|Skickat från|"
    r"Hämta Outlook|Wysłane z|Wysłano z|Pobierz Outlook)\b.{0,80}$",
    re.IGNORECASE,
)
_WRAPPED: Final = 3  # an attribution may wrap over this many lines
_HEADER_WINDOW: Final = 6  # lines in which a From: line must meet another header label
_SIGN_OFF_LINES: Final = 2  # a sign-off is among the last non-empty lines
_LONGEST_MARKER: Final = 1000  # a longer line marks nothing (and is not matched at all)
_SCAN_LINES: Final = 20_000  # history starts within this many lines, or is not looked for
_LONG: Final = "\x00"  # stands in for a long line: matches no marker, is neither blank nor quoted


def _is_quoted(line: str) -> bool:
    return line.lstrip().startswith(">")


def _attribution(lines: list[str], index: int) -> int:
    """Return how many lines from ``index`` form an attribution, 0 if none does."""
    if _DATE_LAST.match(lines[index].strip()):
        return 1
    if not _OPENER.match(lines[index]):
        return 0
    for count in range(1, _WRAPPED + 1):
        block = lines[index : index + count]
        if len(block) < count or any(not line.strip() or _is_quoted(line) for line in block):
            return 0
        joined = " ".join(line.strip() for line in block)
        if len(joined) > _LONGEST_ATTRIBUTION:
            return 0
        if joined.endswith(":") and _DIGIT.search(joined) and _VERB_ENDS.search(joined):
            return count
    return 0


def _header_block(lines: list[str], index: int) -> bool:
    line = lines[index]
    window = lines[index : index + _HEADER_WINDOW]
    if _HEADER_FROM.match(line):
        return any(_HEADER_OTHER.match(other) for other in window[1:])
    if _HEADER_OTHER.match(line):
        return any(_HEADER_FROM.match(other) for other in window[1:]) and (
            sum(bool(_HEADER_OTHER.match(other)) for other in window) >= 2  # noqa: PLR2004
        )
    return False


def _history_starts(lines: list[str]) -> int | None:
    for index, line in enumerate(lines[:_SCAN_LINES]):
        if not line or line.isspace():
            continue
        if (
            _is_quoted(line)
            or _SEPARATOR.match(line)
            or _FORWARD_INTRO.match(line)
            or _attribution(lines, index)
            or _header_block(lines, index)
        ):
            if index and _RULE.match(lines[index - 1]):
                return index - 1
            return index
        if _RULE.match(line) and index + 1 < len(lines) and _header_block(lines, index + 1):
            return index
    return None


def _unquoted(lines: list[str], probe: list[str]) -> list[str]:
    # A reply below or between quotes: drop quoted lines and the attributions that lead them.
    kept: list[str] = []
    skip = 0
    for index, line in enumerate(lines):
        if skip:
            skip -= 1
            continue
        skip = _attribution(probe, index) if index < _SCAN_LINES else 0
        if skip:
            skip -= 1
            continue
        if not _is_quoted(line):
            kept.append(line)
    return kept


def _without_signature(lines: list[str]) -> list[str]:
    for index, line in enumerate(lines):
        if _SIGNATURE.match(line):
            lines = lines[:index]
            break
    filled = [i for i, line in enumerate(lines) if line.strip()]
    for index in filled[-_SIGN_OFF_LINES:]:
        if len(lines[index]) <= _LONGEST_MARKER and _SIGN_OFF.match(lines[index]):
            return lines[:index]
    return lines


def _tidy(lines: list[str]) -> str:
    out: list[str] = []
    for line in lines:
        stripped = line.rstrip()
        if not stripped and (not out or not out[-1]):
            continue  # no leading blank lines, no runs of them
        out.append(stripped)
    return "\n".join(out).strip("\n")


def reply_text(text: str) -> str:
    """Return what the sender of ``text`` wrote this time, without history or signature."""
    lines = text.splitlines()
    # Markers are looked for in short lines only: a long line marks nothing, and the patterns
    # (anchored, with leading white space) would cost time in proportion to its length.
    probe = [line if len(line) <= _LONGEST_MARKER else _LONG for line in lines]
    start = _history_starts(probe)
    if start is not None:
        above = _tidy(_without_signature(lines[:start]))
        if above:
            return above
        # Nothing above the history: the reply is below or between the quoted lines.
        if not _is_quoted(probe[start]) and not _attribution(probe, start):
            return ""  # a forward or header block with nothing written: nothing new
        return _tidy(_without_signature(_unquoted(lines[start:], probe[start:])))
    return _tidy(_without_signature(lines))
