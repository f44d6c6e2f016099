"""Reading customer e-mail: charsets, best text part, quoted history, signatures, forwards, loop guard."""

from __future__ import annotations

from email.message import EmailMessage
from pathlib import Path

import pytest

from triage.mail import MailInputError, customer_name, customer_text, parse_message, should_not_reply
from triage.mail.html_text import html_to_text
from triage.mail.message import reply_recipients
from triage.mail.parse import clean_subject, decode_bytes, header_addresses, reply_subject
from triage.mail.quotes import MailText, split_mail_text

MAIL = Path(__file__).parent / "fixtures" / "mail"
OWN_ADDRESS = "Lindgrün Support <support@lindgruen.example>"

# fixture: (subject to triage, words that must be in the text, words that must not)
CUSTOMER_TEXTS = {
    "de-plain-utf8-qp.eml": (
        "Drucker druckt keine Rechnungen mehr",
        ["seit heute früh druckt unser Drucker im Büro", "Können Sie uns helfen?"],
        ["Mit freundlichen Grüßen", "Anna Müller", "Hauptstraße", "iPhone"],
    ),
    "de-plain-latin1-8bit.eml": (
        "Rechnung wird doppelt gebucht",
        ["Lindwerk Version 5.9.2", "für denselben", "natürlich ärgerlich"],
        ["Jörg Becker", "Bäckerei"],
    ),
    "de-windows1252-base64.eml": (
        "Excel-Export bricht ab",
        ["Zeitüberschreitung", "v5.10.0", "250.000 €", "„Export abgebrochen“"],
        ["Viele Grüße", "Sabine Krause", "Co. KG"],
    ),
    "de-iso885915-qp.eml": (
        "Formular für Angebote ändern",
        ["Papierschacht 2 für das Briefpapier", "Außerdem", "MwSt. in €"],
        ["Danke und viele Grüße", "Thomas Weiß"],
    ),
    "de-html-only-outlook.eml": (
        "Druckdienst blockiert",
        ["Virenscanner blockiert", "Arbeitsplätzen", "„Druckdienst nicht erreichbar“"],
        ["MsoNormal", "Calibri", "Mit freundlichen Grüßen", "Petra Schäfer", "Industriestraße"],
    ),
    "de-multipart-outlook-reply.eml": (
        "Drucker druckt nicht",
        ["druckt der Drucker immer noch nicht", "geprüft, Schacht 1 ist ausgewählt"],
        ["Ursprüngliche Nachricht", "Gesendet:", "bitte prüfen Sie zuerst", "Klaus Vogt"],
    ),
    "de-thunderbird-reply-quoted.eml": (
        "Ihre Anfrage: Formulare einrichten",
        ["eigene Kopien", "dreifach auf grünem Papier?"],
        ["schrieb", "automatische Antwort", "Lindgrün Software", "Schöne Grüße", "Markus Hoffmann"],
    ),
    "de-forward-outlook-wg.eml": (
        "Lindwerk startet nicht mehr am Terminalserver",
        ["startet Lindwerk auf dem Terminalserver", "Port 1433", "schlägt fehl"],
        ["Von:", "Gesendet:", "Betreff:", "Frank Richter", "Möbel"],
    ),
    "de-encoded-headers-base64.eml": (
        "Kassenbon wird nur ganz langsam gedruckt",
        ["Kassenbons", "Hängt das damit zusammen?"],
        ["Gruß Jürgen"],
    ),
    "de-from-encoded-address.eml": (
        "Drucker druckt keine Lieferscheine mehr",
        ["keine Lieferscheine", "hängen in der Warteschlange"],
        ["Viele Grüße", "Max Müller", "Lager und Versand"],
    ),
    "de-attachment-screenshot.eml": (
        "Fehlermeldung LW-5502 beim Buchen",
        ["LW-5502", "hänge ich an", "Lindwerk 6.1.2"],
        ["Beste Grüße", "Neumann Steuerberatung", "PNG", "iVBOR"],
    ),
    "en-plain-ascii.eml": (
        "Printer not printing invoices",
        ["does not print anything from Lindwerk", "restarted the computer"],
        ["Kind regards", "John Smith", "Acme", "+44"],
    ),
    "en-html-only-gmail-quote.eml": (
        "Printer not printing",
        ["I checked the print queue", "form's print settings"],
        ["wrote:", "automatic reply", "Thanks", "Emily"],
    ),
    "en-multipart-attachment-outlook.eml": (
        "Invoice layout",
        ["new logo is printed at the top", "training for two new colleagues"],
        ["Best regards", "Oliver Grant", "Sent:", "who can help us", "%PDF"],
    ),
    "en-reply-on-wrote-replyto.eml": (
        "Export to Excel stops",
        ["still stops after about a minute", "20,000 rows"],
        ["wrote:", "Hello Jane", "Thanks", "Kind regards"],
    ),
    "en-forward-gmail.eml": (
        "Printing problem at our customer",
        ["one of our customers cannot print", "Could you have a look?"],
        ["Forwarded message", "Cheers", "Mark", "Sarah Lee"],
    ),
    "en-forward-attached-rfc822.eml": (
        "Training for the report designer",
        ["book a training for the report designer", "what does\nit cost?"],
        ["Best regards", "Tom Baker", "Subject:"],
    ),
}
REPLY_FIXTURES = sorted(CUSTOMER_TEXTS)
GUARD_FIXTURES = sorted(p.name for p in MAIL.glob("guard-*.eml"))


def read(name: str) -> EmailMessage:
    return parse_message((MAIL / name).read_bytes())


def test_fixtures_cover_the_cases():
    assert len(REPLY_FIXTURES) + len(GUARD_FIXTURES) == len(list(MAIL.glob("*.eml")))
    assert len(REPLY_FIXTURES) >= 15 and len(GUARD_FIXTURES) >= 6
    charsets = {part.get_content_charset() for name in REPLY_FIXTURES for part in read(name).walk()}
    assert {"utf-8", "iso-8859-1", "windows-1252", "iso-8859-15", "us-ascii"} <= charsets
    encodings = {part.get("Content-Transfer-Encoding", "").lower() for n in REPLY_FIXTURES for part in read(n).walk()}
    assert {"quoted-printable", "base64", "8bit", "7bit"} <= encodings


@pytest.mark.parametrize("name", REPLY_FIXTURES)
def test_customer_text_is_the_customers_own_words(name):
    subject, present, absent = CUSTOMER_TEXTS[name]
    text = customer_text(read(name))
    assert text.subject == subject
    for words in present:
        assert words in text.body, text.body
    for words in absent:
        assert words not in text.body, text.body
    assert "\ufffd" not in text.body and "Ã" not in text.body  # no broken umlauts


def test_forwarder_words_come_first_else_the_forwarded_text():
    gmail = customer_text(read("en-forward-gmail.eml"))
    assert gmail.body == gmail.own_words and "nothing prints from Lindwerk" in gmail.forwarded
    outlook = customer_text(read("de-forward-outlook-wg.eml"))
    assert outlook.own_words == "" and outlook.body == outlook.forwarded


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("de-plain-latin1-8bit.eml", "Jörg Becker"),  # "Becker, Jörg", encoded in ISO-8859-1
        ("de-encoded-headers-base64.eml", "Jürgen Müller"),
        ("de-html-only-outlook.eml", "Petra Schäfer"),
        ("en-plain-ascii.eml", "John Smith"),
        ("de-from-encoded-address.eml", "Max Müller"),
    ],
)
def test_customer_name_from_the_from_header(name, expected):
    assert customer_name(read(name)) == expected


@pytest.mark.parametrize(
    ("text", "charset"),
    [
        ("Grüße aus Köln, 250 € für Maßnahmen", "utf-8"),
        ("Grüße aus Köln, 250 € für Maßnahmen", "windows-1252"),
        ("Grüße aus Köln, 250 € für Maßnahmen", "iso-8859-15"),
        ("Grüße aus Köln, Maßnahmen", "iso-8859-1"),
    ],
)
def test_decode_bytes_in_every_common_charset(text, charset):
    assert decode_bytes(text.encode(charset), charset) == text


@pytest.mark.parametrize(
    ("data", "label", "expected"),
    [
        ("„Grüße“ – 5 €".encode("cp1252"), "iso-8859-1", "„Grüße“ – 5 €"),  # windows-1252 labelled Latin-1
        ("Grüße".encode(), "iso-8859-1", "Grüße"),  # UTF-8 labelled Latin-1
        ("Grüße".encode("latin-1"), "utf-8", "Grüße"),  # Latin-1 labelled UTF-8
        ("Grüße".encode("latin-1"), None, "Grüße"),
        ("Grüße".encode(), "x-no-such-charset", "Grüße"),
    ],
)
def test_decode_bytes_survives_wrong_labels(data, label, expected):
    assert decode_bytes(data, label) == expected


def test_html_to_text_drops_styles_and_marks_quotes():
    html = (
        "<html><head><style>p {color: red}</style><title>x</title></head><body>"
        "<p>Der Drucker&nbsp;druckt <b>nicht</b>.</p><ul><li>Schacht 1</li><li>Schacht 2</li></ul>"
        "<script>alert(1)</script><blockquote>alte Nachricht<br>zweite Zeile</blockquote></body></html>"
    )
    assert html_to_text(html).splitlines() == [
        "Der Drucker druckt nicht.",
        "",
        "- Schacht 1",
        "- Schacht 2",
        "> alte Nachricht",
        "> zweite Zeile",
    ]
    # Gmail writes paragraphs as <div>s with <div><br></div> between them.
    assert html_to_text("<div>Hallo,</div><div><br></div><div>eins</div><div>zwei<br></div>") == "Hallo,\n\neins\nzwei"


@pytest.mark.parametrize(
    ("text", "own"),
    [
        ("Geht wieder nicht.\n\nAm 03.03.2025 um 10:12 schrieb Support <s@x.example>:\n> Alt.\n", "Geht wieder nicht."),
        ("Still broken.\n\nOn Mon, 3 Mar 2025 at 10:12, Support <s@x.example>\nwrote:\n\n> Old.\n", "Still broken."),
        ("On Mon, 3 Mar 2025, Support wrote:\n> Old question?\n\nMy answer below.\n", "My answer below."),
        ("> Frage eins?\nAntwort eins.\n> Frage zwei?\nAntwort zwei.\n", "Antwort eins.\nAntwort zwei."),
        ("Neu.\n\n-----Original Message-----\nFrom: a\nSent: b\n\nAlt.\n", "Neu."),
        ("Neu.\n\nVon: Support\nGesendet: Montag\nAn: Kunde\nBetreff: Drucker\n\nAlt.\n", "Neu."),
        ("Neu.\n\nFrom: Support\nSent: Monday\nTo: Customer\nSubject: Printer\n\nOld.\n", "Neu."),
        ("Text.\n\n-- \nAnna Müller\nTel. 0761 1234\n", "Text."),
        ("Text.\n\nViele Grüße\nAnna\n", "Text."),
        ("Text.\n\nBest regards,\nJohn Smith\nAcme Ltd.\n", "Text."),
        ("Text.\n\nThanks!\nJane\n", "Text."),
        ("Text.\n\nGruß Jürgen\n", "Text."),
        # "Thanks" that opens more message is not a closing.
        ("Hi,\nThanks!\nThe printer still does not print after the update.\n", None),
        ("Text.\n\nSent from my iPhone\n", "Text."),
    ],
)
def test_own_words_without_quotes_and_signatures(text, own):
    assert split_mail_text(text).own == (own if own is not None else text.strip())


def test_forward_marker_splits_forwarder_and_forwarded_words():
    text = (
        "FYI\n\n---------- Forwarded message ---------\nFrom: Kunde <k@x.example>\nDate: Mon\n"
        "Subject: Drucker\nTo: <a@y.example>\n\n\nDer Drucker druckt nicht.\n\nGrüße\nKunde\n"
    )
    assert split_mail_text(text) == MailText("FYI", "Der Drucker druckt nicht.")
    empty = split_mail_text(text.removeprefix("FYI"))
    assert empty.own == "" and empty.forwarded == "Der Drucker druckt nicht."


@pytest.mark.parametrize(
    ("subject", "reply", "clean"),
    [
        ("Drucker druckt nicht", "Re: Drucker druckt nicht", "Drucker druckt nicht"),
        ("Re: Drucker", "Re: Drucker", "Drucker"),
        ("AW: Re: Drucker", "Re: Drucker", "Drucker"),
        ("RE[2]: Aw: Drucker", "Re: Drucker", "Drucker"),
        ("WG: Drucker", "Re: WG: Drucker", "Drucker"),
        ("Fwd: Re: Printer", "Re: Fwd: Re: Printer", "Printer"),
        ("", "Re:", ""),
    ],
)
def test_reply_subject_collapses_reply_prefixes_and_clean_subject_drops_every_prefix(subject, reply, clean):
    assert reply_subject(subject) == reply
    assert clean_subject(subject) == clean


@pytest.mark.parametrize(
    "data",
    [b"", b"   \n", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", b"just some words, no headers\n", b"X-Foo: bar\n\nhi\n"],
    ids=["empty", "blank", "binary", "no-headers", "no-from"],
)
def test_parse_message_refuses_what_is_not_a_message(data):
    with pytest.raises(MailInputError):
        parse_message(data)


def message_from(from_header: str) -> EmailMessage:
    return parse_message(f"From: {from_header}\nTo: support@lindgruen.example\nSubject: x\n\nDrucker\n".encode())


@pytest.mark.parametrize(
    ("from_header", "pairs"),
    [
        # The whole "Name <address>" in one encoded word (RFC 2047 forbids it; some mailers do it).
        ("=?utf-8?q?Max_M=C3=BCller_=3Cmax=40example=2Ecom=3E?=", [("Max Müller", "max@example.com")]),
        ("=?iso-8859-1?b?SvxyZ2VuIDxqdWVyZ2VuQGtpb3NrLmV4YW1wbGU+?=", [("Jürgen", "juergen@kiosk.example")]),
        ("=?utf-8?q?=3Cmax=40example=2Ecom=3E?=", [("", "max@example.com")]),
        # As RFC 2047 wants it: only the display name encoded.
        ("=?utf-8?q?Max_M=C3=BCller?= <max@example.com>", [("Max Müller", "max@example.com")]),
        ("max@example.com", [("", "max@example.com")]),
        # Two addresses smuggled into one encoded word: neither is taken.
        ("=?utf-8?q?Max_=3Cmax=40example=2Ecom=3E=2C_eve=40evil=2Eexample?=", [("", "")]),
    ],
)
def test_header_addresses_decode_an_address_inside_an_encoded_word(from_header, pairs):
    assert header_addresses(message_from(from_header), "From") == pairs


def test_an_encoded_word_address_gets_the_reply():
    message = read("de-from-encoded-address.eml")
    assert [str(a) for a in reply_recipients(message)] == ["Max Müller <max@example.com>"]


def test_loop_guard_sees_a_robot_address_inside_an_encoded_word():
    found = should_not_reply(message_from("=?utf-8?q?Shop_=3Cnoreply=40shop=2Eexample=3E?="), own_address=OWN_ADDRESS)
    assert found is not None and "noreply@shop.example" in found, found


def make_message(**headers: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = headers.pop("From", "Anna Müller <anna@kunde.example>")
    message["To"] = "support@lindgruen.example"
    message["Subject"] = "Drucker druckt nicht"
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content("Der Drucker druckt nicht.")
    return message


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ({"Auto_Submitted": "auto-replied"}, "Auto-Submitted"),
        ({"Auto_Submitted": "auto-generated; owner-email=x@y.example"}, "Auto-Submitted: auto-generated"),
        ({"Precedence": "bulk"}, "Precedence: bulk"),
        ({"Precedence": "list"}, "Precedence: list"),
        ({"Precedence": "junk"}, "Precedence: junk"),
        ({"X_Autoreply": "yes"}, "X-Autoreply"),
        ({"X_Autorespond": "Vacation"}, "X-Autorespond"),
        ({"X_Auto_Response_Suppress": "DR, OOF, AutoReply"}, "X-Auto-Response-Suppress"),
        ({"List_Id": "<users.lists.example>"}, "List-Id"),
        ({"List_Unsubscribe": "<mailto:leave@lists.example>"}, "List-Unsubscribe"),
        ({"Return_Path": "<>"}, "Return-Path: <>"),
        ({"From": "Mail Delivery System <MAILER-DAEMON@mx.example>"}, "mailer-daemon@mx.example"),
        ({"From": "MAILER-DAEMON"}, "mailer-daemon"),
        ({"From": "postmaster@kunde.example"}, "postmaster@"),
        ({"From": "Shop <noreply@shop.example>"}, "noreply@"),
        ({"From": "Shop <no-reply@shop.example>"}, "no-reply@"),
        ({"From": "Bank <donotreply@bank.example>"}, "donotreply@"),
        ({"Reply_To": "no_reply@shop.example"}, "no_reply@"),
        ({"From": "Support <SUPPORT@lindgruen.example>"}, "our own address"),
        ({"X_Level0_Reply": "1"}, "Level0 auto-reply"),
    ],
)
def test_loop_guard_names_the_reason(headers, reason):
    found = should_not_reply(make_message(**headers), own_address=OWN_ADDRESS)
    assert found is not None and reason in found, found


@pytest.mark.parametrize(
    "headers",
    [{}, {"Auto_Submitted": "no"}, {"Precedence": "normal"}, {"From": "Noreen Replyson <noreen@kunde.example>"}],
)
def test_loop_guard_lets_customer_mail_through(headers):
    assert should_not_reply(make_message(**headers), own_address=OWN_ADDRESS) is None


@pytest.mark.parametrize("name", GUARD_FIXTURES)
def test_loop_guard_fixtures_are_not_answered(name):
    assert should_not_reply(read(name), own_address=OWN_ADDRESS)


@pytest.mark.parametrize("name", REPLY_FIXTURES)
def test_customer_fixtures_pass_the_loop_guard(name):
    assert should_not_reply(read(name), own_address=OWN_ADDRESS) is None
