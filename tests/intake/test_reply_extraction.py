"""``reply_text`` keeps what the sender wrote this time, for each client and language.

The table crosses the quoting styles of the common clients with the languages whose quote
headers we recognise. Every case is our own text; each asserts ``reply_text`` exactly.
"""

from __future__ import annotations

import attrs
import pytest

from ticketflow.intake import parse_email


@attrs.frozen
class Language:
    reply: str  # what the sender writes, two lines
    gmail: str  # the attribution line Gmail writes above the quote
    apple: str  # Apple Mail and iPhone
    thunderbird: str
    outlook: tuple[str, str, str, str]  # From, Sent, To, Subject labels as Outlook writes them
    original: str  # Outlook's separator line
    forwarded: str  # Gmail's forwarded-message separator
    phone: str  # the mobile sign-off


LANGUAGES = {
    "en": Language(
        "The parcel is still missing.\nCan you check again?",
        "On Mon, Mar 2, 2026 at 9:14 AM Support Team <support@example.com> wrote:",
        "On 2 Mar 2026, at 09:14, Support Team <support@example.com> wrote:",
        "On 02/03/2026 09:14, Support Team wrote:",
        ("From:", "Sent:", "To:", "Subject:"),
        "-----Original Message-----",
        "---------- Forwarded message ---------",
        "Sent from my iPhone",
    ),
    "de": Language(
        "Das Paket fehlt immer noch.\nKönnen Sie nachsehen?",
        "Am Mo., 2. März 2026 um 09:14 Uhr schrieb Support Team <support@example.com>:",
        "Am 02.03.2026 um 09:14 schrieb Support Team <support@example.com>:",
        "Am 02.03.26 um 09:14 schrieb Support Team:",
        ("Von:", "Gesendet:", "An:", "Betreff:"),
        "-----Ursprüngliche Nachricht-----",
        "---------- Weitergeleitete Nachricht ---------",
        "Von meinem iPhone gesendet",
    ),
    "fr": Language(
        "Le colis manque toujours.\nPouvez-vous vérifier ?",
        "Le lun. 2 mars 2026 à 09:14, Support Team <support@example.com> a écrit :",
        "Le 2 mars 2026 à 09:14, Support Team <support@example.com> a écrit :",
        "Le 02/03/2026 à 09:14, Support Team a écrit :",
        ("De :", "Envoyé :", "À :", "Objet :"),
        "-----Message d'origine-----",
        "---------- Message transféré ---------",
        "Envoyé de mon iPhone",
    ),
    "es": Language(
        "El paquete sigue sin llegar.\n¿Pueden revisarlo?",
        "El lun, 2 mar 2026 a las 9:14, Support Team (<support@example.com>) escribió:",
        "El 2 mar 2026, a las 9:14, Support Team <support@example.com> escribió:",
        "El 2/3/26 a las 9:14, Support Team escribió:",
        ("De:", "Enviado:", "Para:", "Asunto:"),
        "-----Mensaje original-----",
        "---------- Mensaje reenviado ---------",
        "Enviado desde mi iPhone",
    ),
    "it": Language(
        "Il pacco manca ancora.\nPotete controllare?",
        "Il giorno lun 2 mar 2026 alle ore 09:14 Support Team <support@example.com> ha scritto:",
        "Il giorno 2 mar 2026, alle ore 09:14, Support Team <support@example.com> ha scritto:",
        "Il 02/03/2026 09:14, Support Team ha scritto:",
        ("Da:", "Inviato:", "A:", "Oggetto:"),
        "-----Messaggio originale-----",
        "---------- Messaggio inoltrato ---------",
        "Inviato da iPhone",
    ),
    "pt": Language(
        "A encomenda continua em falta.\nPodem verificar?",
        "Em seg., 2 de mar. de 2026 às 09:14, Support Team <support@example.com> escreveu:",
        "Em 2 de mar. de 2026, às 09:14, Support Team <support@example.com> escreveu:",
        "Em 02/03/2026 09:14, Support Team escreveu:",
        ("De:", "Enviada:", "Para:", "Assunto:"),
        "-----Mensagem original-----",
        "---------- Mensagem encaminhada ---------",
        "Enviado do meu iPhone",
    ),
    "pt-BR": Language(
        "A encomenda ainda não chegou.\nVocês podem verificar?",
        "Em seg., 2 de mar. de 2026 às 09:14, Support Team <support@example.com> escreveu:",
        "Em 2 de mar. de 2026, à(s) 09:14, Support Team <support@example.com> escreveu:",
        "Em 02/03/2026 09:14, Support Team escreveu:",
        ("De:", "Enviado:", "Para:", "Assunto:"),
        "-----Mensagem original-----",
        "---------- Mensagem encaminhada ---------",
        "Enviado do meu iPhone",
    ),
    "nl": Language(
        "Het pakket ontbreekt nog steeds.\nKunt u het nakijken?",
        "Op ma 2 mrt 2026 om 09:14 schreef Support Team <support@example.com>:",
        "Op 2 mrt 2026, om 09:14 heeft Support Team <support@example.com> het volgende geschreven:",
        "Op 02-03-2026 om 09:14 schreef Support Team:",
        ("Van:", "Verzonden:", "Aan:", "Onderwerp:"),
        "-----Oorspronkelijk bericht-----",
        "---------- Doorgestuurd bericht ---------",
        "Verstuurd vanaf mijn iPhone",
    ),
    "da": Language(
        "Pakken mangler stadig.\nKan I tjekke igen?",
        "Den man. 2. mar. 2026 kl. 09.14 skrev Support Team <support@example.com>:",
        "Den 2. mar. 2026 kl. 09.14 skrev Support Team <support@example.com>:",
        "Den 02.03.2026 kl. 09.14 skrev Support Team:",
        ("Fra:", "Sendt:", "Til:", "Emne:"),
        "-----Oprindelig meddelelse-----",
        "---------- Videresendt meddelelse ----------",
        "Sendt fra min iPhone",
    ),
    "sv": Language(
        "Paketet saknas fortfarande.\nKan ni kontrollera?",
        "Den mån 2 mars 2026 kl 09:14 skrev Support Team <support@example.com>:",
        "2 mars 2026 kl. 09:14 skrev Support Team <support@example.com>:",
        "Den 2026-03-02 kl. 09:14, skrev Support Team:",
        ("Från:", "Skickat:", "Till:", "Ämne:"),
        "-----Ursprungligt meddelande-----",
        "---------- Vidarebefordrat meddelande ---------",
        "Skickat från min iPhone",
    ),
    "no": Language(
        "Pakken mangler fortsatt.\nKan dere sjekke?",
        "man. 2. mar. 2026 kl. 09:14 skrev Support Team <support@example.com>:",
        "2. mar. 2026 kl. 09:14 skrev Support Team <support@example.com>:",
        "Den 02.03.2026 09:14, skrev Support Team:",
        ("Fra:", "Sendt:", "Til:", "Emne:"),
        "-----Opprinnelig melding-----",
        "---------- Videresendt melding ---------",
        "Sendt fra min iPhone",
    ),
    "pl": Language(
        "Paczka nadal nie dotarła.\nCzy możecie sprawdzić?",
        "pon., 2 mar 2026 o 09:14 Support Team <support@example.com> napisał(a):",
        "Wiadomość napisana przez Support Team <support@example.com>"
        " w dniu 2.03.2026, o godz. 09:14:",
        "W dniu 2.03.2026 o 09:14, Support Team pisze:",
        ("Od:", "Wysłano:", "Do:", "Temat:"),
        "-----Wiadomość oryginalna-----",
        "---------- Wiadomość przekazana dalej ---------",
        "Wysłane z iPhone'a",
    ),
}

QUOTED = "> We shipped parcel 42 yesterday.\n>\n> Support Team"
HISTORY = "We shipped parcel 42 yesterday.\n\nSupport Team"


def gmail(lang: Language) -> str:
    return f"{lang.reply}\n\n{lang.gmail}\n\n{QUOTED}\n"


def apple(lang: Language) -> str:
    return f"{lang.reply}\n\n{lang.apple}\n\n{QUOTED}\n"


def iphone(lang: Language) -> str:
    return f"{lang.reply}\n\n{lang.phone}\n\n{lang.apple}\n\n{QUOTED}\n"


def thunderbird(lang: Language) -> str:
    return f"{lang.reply}\n\n{lang.thunderbird}\n{QUOTED}\n"


def outlook_desktop(lang: Language) -> str:
    sender, sent, to, subject = lang.outlook
    return (
        f"{lang.reply}\n\n{sender} Support Team <support@example.com>\n"
        f"{sent} Monday, 2 March 2026 09:14\n{to} Alice Example <alice@example.com>\n"
        f"{subject} Parcel 42\n\n{HISTORY}\n"
    )


def outlook_web(lang: Language) -> str:
    return f"{lang.reply}\n\n{'_' * 32}\n" + outlook_desktop(lang).partition("\n\n")[2]


def outlook_original(lang: Language) -> str:
    sender, sent, to, subject = lang.outlook
    return (
        f"{lang.reply}\n\n{lang.original}\n{sender} Support Team [mailto:support@example.com]\n"
        f"{sent} Monday, 2 March 2026 09:14\n{to} Alice Example\n{subject} Parcel 42\n\n"
        f"{HISTORY}\n"
    )


def forwarded(lang: Language) -> str:
    sender, _, to, subject = lang.outlook
    return (
        f"{lang.reply}\n\n{lang.forwarded}\n{sender} Support Team <support@example.com>\n"
        f"Date: Mon, 2 Mar 2026 09:14\n{subject} Parcel 42\n{to} <alice@example.com>\n\n"
        f"{HISTORY}\n"
    )


def gmail_wrapped_twice(lang: Language) -> str:
    cut = lang.gmail.rfind(" ", 0, lang.gmail.index("@"))  # before the address, as clients wrap
    return f"{lang.reply}\n\n{lang.gmail[:cut]}\n{lang.gmail[cut + 1 :]}\n\n{QUOTED}\n"


def gmail_wrapped_thrice(lang: Language) -> str:
    words = lang.gmail.split(" ")
    third = len(words) // 3
    lines = [
        " ".join(words[:third]),
        " ".join(words[third : 2 * third]),
        " ".join(words[2 * third :]),
    ]
    return f"{lang.reply}\n\n" + "\n".join(lines) + f"\n\n{QUOTED}\n"


def signature(lang: Language) -> str:
    return f"{lang.reply}\n\n-- \nAlice Example\nExample Ltd.\n\n{lang.gmail}\n{QUOTED}\n"


CLIENTS = {
    "gmail": gmail,
    "apple_mail": apple,
    "iphone": iphone,
    "thunderbird": thunderbird,
    "outlook_desktop": outlook_desktop,
    "outlook_web": outlook_web,
    "outlook_original_message": outlook_original,
    "forwarded": forwarded,
    "wrapped_over_two_lines": gmail_wrapped_twice,
    "wrapped_over_three_lines": gmail_wrapped_thrice,
    "signature": signature,
}


def message(body: str) -> bytes:
    head = (
        "From: Alice Example <alice@example.com>\nTo: support@example.com\n"
        "Subject: Re: Parcel 42\nContent-Type: text/plain; charset=utf-8\n\n"
    )
    return (head + body).encode()


@pytest.mark.parametrize("client", sorted(CLIENTS))
@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_the_reply_is_what_the_sender_wrote(client: str, language: str) -> None:
    lang = LANGUAGES[language]
    email = parse_email(message(CLIENTS[client](lang)))
    assert email.reply_text == lang.reply
    assert "Support Team" in email.text  # the history stays in the whole text


# Clients without a localized table: one case each, in their own words.
SINGLE = {
    "yahoo": (
        (
            "Any news?\n\nThanks\n\n"
            "On Monday, March 2, 2026, 09:14:00 AM GMT+1, Support Team <support@example.com> wrote:"
            "\n\n\nWe shipped parcel 42 yesterday.\n"
        ),
        "Any news?\n\nThanks",
    ),
    "yahoo_original": (
        (
            "Any news?\n\n----- Original Message -----\nFrom: Support Team <support@example.com>\n"
            "To: alice@example.com\nSent: Monday, March 2, 2026 9:14 AM\nSubject: Parcel 42\n\n"
            "We shipped it.\n"
        ),
        "Any news?",
    ),
    "aol": (
        (
            "Still waiting.\n\n\n-----Original Message-----\n"
            "From: Support Team <support@example.com>\n"
            "To: alice <alice@example.com>\nSent: Mon, Mar 2, 2026 9:14 am\nSubject: Parcel 42\n\n"
            "We shipped it.\n"
        ),
        "Still waiting.",
    ),
    "aol_mobile": (
        "Still waiting.\n\nSent from AOL Mobile Mail\n\n" + QUOTED + "\n",
        "Still waiting.",
    ),
    "hotmail": (
        "Thank you!\n\n" + "_" * 40 + "\nDate: Mon, 2 Mar 2026 09:14:00 +0100\n"
        "From: support@example.com\nTo: alice@example.com\nSubject: Parcel 42\n\nWe shipped it.\n",
        "Thank you!",
    ),
    "outlook_bold_labels": (
        (
            "Thanks.\n\n*From:* Support Team <support@example.com>\n*Sent:* Monday, March 2, 2026 "
            "9:14 AM\n*To:* Alice\n*Subject:* Parcel 42\n\nWe shipped it.\n"
        ),
        "Thanks.",
    ),
    "outlook_mobile": (
        "On my way.\n\nGet Outlook for Android\n" + "_" * 32 + "\nFrom: Support Team\n"
        "Sent: Monday, March 2, 2026 9:14:00 AM\nTo: Alice\nSubject: Parcel 42\n\nShipped.\n",
        "On my way.",
    ),
    "apple_forward": (
        (
            "See below.\n\nBegin forwarded message:\n\nFrom: Carrier <noreply@carrier.example>\n"
            "Subject: Parcel 42\n\nDelayed.\n"
        ),
        "See below.",
    ),
    "apple_forward_german": (
        "Siehe unten.\n\nAnfang der weitergeleiteten Nachricht:\n\nVon: Carrier\nBetreff: Paket\n",
        "Siehe unten.",
    ),
    "thunderbird_forward": (
        (
            "FYI\n\n-------- Forwarded Message --------\n"
            "Subject: Parcel 42\nDate: Mon, 2 Mar 2026\n"
            "From: Carrier\n\nDelayed.\n"
        ),
        "FYI",
    ),
    "only_angle_quotes": ("Yes, please.\n> Shall we send a new one?\n> Support\n", "Yes, please."),
    "nested_angle_quotes": ("Agreed.\n\n>> old\n> newer\n", "Agreed."),
    "bottom_posted": (
        (
            "On Mon, Mar 2, 2026 at 9:14 AM Support <support@example.com> wrote:\n"
            "> Shall we send a new one?\n\nYes, please.\n\n-- \nAlice\n"
        ),
        "Yes, please.",
    ),
    "interleaved": (
        "> Is the address right?\nYes, it is.\n> Shall we send a new one?\nPlease do.\n",
        "Yes, it is.\nPlease do.",
    ),
    "signature_without_trailing_space": ("Thanks!\n--\nAlice\n+49 30 1234567\n", "Thanks!"),
    "no_history": (
        "Just a new question.\nWith two lines.\n",
        "Just a new question.\nWith two lines.",
    ),
    "plain_sentence_with_wrote": (
        "My colleague wrote: the parcel is late.\nOn Monday we will know more.\n",
        "My colleague wrote: the parcel is late.\nOn Monday we will know more.",
    ),
    "only_a_forward": (
        (
            "---------- Forwarded message ---------\nFrom: Carrier\nDate: Mon, Mar 2, 2026\n"
            "Subject: Parcel\n\nDelayed.\n"
        ),
        "",
    ),
}


@pytest.mark.parametrize("case", sorted(SINGLE))
def test_the_reply_of_each_client_and_layout(case: str) -> None:
    body, expected = SINGLE[case]
    assert parse_email(message(body)).reply_text == expected
