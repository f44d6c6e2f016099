"""`level0 reply`: the reply message read back, templates, loop guard, CLI errors and a real SMTP server."""

from __future__ import annotations

import email
import os
import re
import shutil
import ssl
import subprocess
import sys
from email import policy
from email.message import EmailMessage
from email.utils import parseaddr, parsedate_to_datetime
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from conftest import free_port
from local_servers import Recorder

from triage.answer.policy import load_policy
from triage.cli import main
from triage.mail import ReplyText, build_reply_message, compose_reply, parse_message
from triage.settings import bundled_path

MAIL = Path(__file__).parent / "fixtures" / "mail"
REPLY_FIXTURES = sorted(p.name for p in MAIL.glob("*.eml") if not p.name.startswith("guard-"))
GUARD_FIXTURES = sorted(p.name for p in MAIL.glob("guard-*.eml"))
BASE_URL = "https://hilfe.lindgruen.example/kb/"
GREETING = {"de": "Guten Tag", "en": "Hello"}
POLICY = load_policy(bundled_path("policy.yml"))
CATEGORIES = ("bug", "infrastructure", "consulting")
LABELS = {lang: {POLICY.for_category(c, lang)["label"] for c in CATEGORIES} for lang in ("de", "en")}
URL_RE = re.compile(r"https?://[^\s<>\"]+")


@pytest.fixture
def cli_env(settings) -> dict[str, str | None]:
    """The trained fixture project; no LEVEL0_* of the caller (SMTP, site URL, sender)."""
    env: dict[str, str | None] = {k: None for k in os.environ if k.startswith("LEVEL0_")}
    env.update(
        LEVEL0_DATA_DIR=str(settings.data_dir),
        LEVEL0_STATE_DIR=str(settings.state_dir),
        LEVEL0_SITE_DIR=str(settings.site_dir),
    )
    return env


@pytest.fixture
def level0_reply(runner, settings, cli_env):
    """Run `level0 reply ARGS -f <fixture mkdocs.yml>` in-process; return click's Result."""

    def run(*args: str, input: bytes | None = None, env: dict | None = None):
        command = ["reply", *args, "-f", str(settings.config_file)]
        return runner.invoke(main, command, input=input, env={**cli_env, **(env or {})})

    return run


def read_back(data: bytes) -> EmailMessage:
    return email.message_from_bytes(data, policy=policy.default)  # type: ignore[return-value]


def parts(reply: EmailMessage) -> tuple[str, str]:
    """The plain and the HTML text of a reply."""
    return reply.get_body(("plain",)).get_content(), reply.get_body(("html",)).get_content()


def assert_one_error_line(result, exit_code: int, *fragments: str) -> None:
    assert result.exit_code == exit_code, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    assert result.stdout == ""
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


@pytest.mark.parametrize("name", REPLY_FIXTURES)
def test_reply_reads_back_with_headers_language_and_links(level0_reply, settings, name):
    original = parse_message((MAIL / name).read_bytes())
    result = level0_reply(str(MAIL / name), "--base-url", BASE_URL)
    assert result.exit_code == 0, result.output
    reply = read_back(result.stdout_bytes)
    language = name[:2]

    assert reply["From"] == settings.mail_from
    expected_to = parseaddr(str(original.get("Reply-To") or original["From"]))[1]
    if "<" in expected_to:  # a whole "Name <address>" inside one encoded word, decoded
        expected_to = parseaddr(expected_to)[1]
    assert parseaddr(str(reply["To"]))[1] == expected_to
    subject = re.sub(r"^((re|aw)(\[\d+\])?:\s*)+", "", str(original["Subject"]), flags=re.I)
    assert reply["Subject"] == f"Re: {subject}"
    # Long ids are folded onto the next line (RFC 5322); Python keeps the folding space: strip it.
    assert reply["In-Reply-To"].strip() == original["Message-ID"]
    assert str(reply["References"]).split()[-1] == original["Message-ID"]
    assert reply["Auto-Submitted"] == "auto-replied"
    assert reply["X-Level0-Reply"] == "1"
    assert reply["Message-ID"] != original["Message-ID"] and reply["Message-ID"].endswith("@lindgruen.example>")
    assert parsedate_to_datetime(str(reply["Date"])).tzinfo is not None
    assert reply.get_content_type() == "multipart/alternative"
    assert [p.get_content_charset() for p in reply.iter_parts()] == ["utf-8", "utf-8"]

    plain, html = parts(reply)
    assert reply["Content-Language"] == language
    assert plain.startswith(GREETING[language]) and html.count(GREETING[language]) == 1
    assert any(f"{label} (" in " ".join(plain.split()) for label in LABELS[language]), plain
    links = [url for url in URL_RE.findall(plain) if "/kb/" in url]
    assert links and all(url.startswith(BASE_URL) for url in links), plain
    assert all(f'href="{url}"' in html for url in links), html


def test_a_sender_address_inside_an_encoded_word_is_answered(level0_reply):
    """From: =?utf-8?q?Max_M=C3=BCller_=3Cmax=40example=2Ecom=3E?= (the whole address encoded)."""
    result = level0_reply(str(MAIL / "de-from-encoded-address.eml"), "--base-url", BASE_URL)
    assert result.exit_code == 0, result.output
    reply = read_back(result.stdout_bytes)
    assert [(a.display_name, a.addr_spec) for a in reply["To"].addresses] == [("Max Müller", "max@example.com")]
    plain, _ = parts(reply)
    assert plain.startswith("Guten Tag Max Müller"), plain[:80]


def test_reply_names_known_issues_for_the_version_in_the_text(level0_reply):
    result = level0_reply(str(MAIL / "de-plain-latin1-8bit.eml"), "--base-url", BASE_URL)
    assert result.exit_code == 0, result.output
    plain, html = parts(read_back(result.stdout_bytes))
    assert "Bekanntes Problem in Ihrer Version 5.9.2, noch nicht behoben" in " ".join(plain.split())
    assert f"Workaround: {BASE_URL}known-issues/lw-100/#workaround" in plain
    assert f'href="{BASE_URL}known-issues/lw-100/#workaround"' in html

    result = level0_reply(str(MAIL / "de-windows1252-base64.eml"), "--base-url", BASE_URL)
    plain, _ = parts(read_back(result.stdout_bytes))
    assert "Behoben in Version 5.10.1 – bitte aktualisieren Sie (Sie nutzen 5.10.0)" in " ".join(plain.split())


def test_version_option_overrides_the_text(level0_reply):
    result = level0_reply(str(MAIL / "de-plain-latin1-8bit.eml"), "--version", "5.10.2")
    assert result.exit_code == 0, result.output
    flat = " ".join(parts(read_back(result.stdout_bytes))[0].split())
    assert "In Ihrer Version 5.10.2 bereits behoben (seit 5.10.1)" in flat and "5.9.2" not in flat


def test_reply_threads_after_the_whole_conversation(level0_reply):
    result = level0_reply(str(MAIL / "de-multipart-outlook-reply.eml"))
    reply = read_back(result.stdout_bytes)
    assert str(reply["References"]).split() == [
        "<20250310081500.1234@vogt-elektro.example>",
        "<174160452117.2231.99@lindgruen.example>",
        "<004b01db91b8$2a7f1e20$7f7d5a60$@vogt-elektro.example>",
    ]
    assert reply["Subject"] == "Re: Drucker druckt nicht"  # "AW: Re:" is not stacked
    # Only In-Reply-To, no References: the parent id opens the chain; Reply-To is who gets the answer.
    reply = read_back(level0_reply(str(MAIL / "en-reply-on-wrote-replyto.eml")).stdout_bytes)
    assert str(reply["References"]).split() == [
        "<174248110099.1234.5@lindgruen.example>",
        "<BN8PR12MB3456789A@BN8PR12MB3456.namprd12.prod.outlook.example>",
    ]
    assert parseaddr(str(reply["To"]))[1] == "it@northwind-trading.example"


def test_html_part_escapes_what_the_customer_wrote(level0_reply):
    message = (
        b'From: "<b>Eve</b>" <eve@kunde.example>\nTo: support@lindgruen.example\n'
        b'Subject: <script>alert("x")</script> Drucker druckt nicht\nMessage-ID: <x1@kunde.example>\n\n'
        b"Der Drucker druckt nicht, die Warteschlange haengt.\n"
    )
    result = level0_reply("-", input=message)
    assert result.exit_code == 0, result.output
    plain, html = parts(read_back(result.stdout_bytes))
    assert "<script>" not in html and "<b>Eve</b>" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html and "&lt;b&gt;Eve&lt;/b&gt;" in html
    assert '<script>alert("x")</script> Drucker' in plain  # plain text is shown as text, not markup


def policy_answer(category: str, language: str, **extra) -> dict:
    """A triage object as the Triager makes it, without a model: the policy part is real."""
    fields = POLICY.for_category(category, language)
    fields["articles"] = [{"path": "support/x.md", "title": "Support <levels>", "url": "support/x/"}]
    fields["unsure"] = POLICY.unsure.get(language)
    return {"category": category, "language": language, "needs_human": False, "policy": fields, **extra}


def test_compose_reply_without_a_model():
    answer = policy_answer(
        "infrastructure",
        "de",
        needs_human=True,
        articles=[
            {
                "title": "Drucker <druckt> nicht",
                "section": "Workaround",
                "url": "faq/drucker/#workaround",
                "known_issue": {"advice": "workaround", "message": "Bekanntes Problem.", "workaround_url": "faq/w/"},
            },
            {"title": "Start", "section": None, "url": ""},
        ],
    )
    text = compose_reply(
        answer,
        language="de",
        base_url="https://help.example/kb",
        customer_name="Anna & Co",
        ticket_url="https://help.example/ticket?x=1&y=2",
    )
    assert isinstance(text, ReplyText)
    flat = " ".join(text.plain.split())
    assert "Vorläufig ordnen wir Ihre Anfrage so ein: Ursache vermutlich in Ihrer IT-Umgebung" in flat
    assert answer["policy"]["depends_on"].split()[0] in flat and "nicht sicher zuordnen" in flat
    assert "https://help.example/kb/faq/drucker/#workaround" in text.plain
    assert "Workaround: https://help.example/kb/faq/w/" in text.plain
    assert "- Start\n  https://help.example/kb/\n" in text.plain
    assert "https://help.example/kb/support/x/" in text.plain
    assert "https://help.example/ticket?x=1&y=2" in text.plain
    assert "Drucker &lt;druckt&gt; nicht" in text.html and "Anna &amp; Co" in text.html
    assert 'href="https://help.example/ticket?x=1&amp;y=2"' in text.html
    assert max(len(line) for line in text.plain.splitlines() if "://" not in line) <= 76


@pytest.mark.parametrize("name", GUARD_FIXTURES)
def test_loop_guard_skips_with_the_reason(level0_reply, name):
    result = level0_reply(str(MAIL / name))
    assert result.exit_code == 0, result.output
    assert result.stdout_bytes == b""
    assert result.stderr.startswith("level0 reply: no reply: "), result.stderr
    assert len(result.stderr.splitlines()) == 1


def test_our_own_reply_is_never_answered(level0_reply):
    first = level0_reply(str(MAIL / "en-plain-ascii.eml"))
    again = level0_reply("-", input=first.stdout_bytes)
    assert again.exit_code == 0 and again.stdout_bytes == b""
    assert "Level0 auto-reply" in again.stderr


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        (b"", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "NUL bytes"),
        (b"Drucker druckt nicht, bitte helfen\n", "not an e-mail message"),
        (b"From: anna@kunde.example\nSubject: \n\n\n", "cannot triage the message"),
        (b"Subject: hallo\nX-Foo: bar\n\nText\n", "no From header"),
    ],
    ids=["empty", "binary", "not-a-message", "no-text", "no-from"],
)
def test_bad_input_exits_2_with_one_line(level0_reply, data, fragment):
    assert_one_error_line(level0_reply("-", input=data), 2, fragment)


def test_bad_version_and_send_without_smtp_host_exit_2(level0_reply):
    assert_one_error_line(level0_reply(str(MAIL / "en-plain-ascii.eml"), "--version", "neu"), 2, "version")
    assert_one_error_line(level0_reply(str(MAIL / "en-plain-ascii.eml"), "--send"), 2, "LEVEL0_SMTP_HOST")


def test_long_mail_from_a_configured_sender(level0_reply):
    log = "\n".join(f"2025-03-03 10:{i % 60:02d} LW-5502 Beleg konnte nicht gespeichert werden" for i in range(900))
    message = f"From: anna@kunde.example\nSubject: Fehler beim Buchen\nMessage-ID: <long@kunde.example>\n\n{log}\n"
    env = {"LEVEL0_MAIL_FROM": "Lindgrün Support <hilfe@lindgruen.example>"}
    result = level0_reply("-", input=message.encode(), env=env)
    assert result.exit_code == 0, result.output
    reply = read_back(result.stdout_bytes)
    assert reply["From"].addresses[0].display_name == "Lindgrün Support"
    assert reply["From"].addresses[0].addr_spec == "hilfe@lindgruen.example"
    assert reply["Message-ID"].endswith("@lindgruen.example>")


def test_out_writes_the_reply_to_a_file(level0_reply, tmp_path):
    out = tmp_path / "reply.eml"
    result = level0_reply(str(MAIL / "de-html-only-outlook.eml"), "--out", str(out))
    assert result.exit_code == 0, result.output
    assert result.stdout_bytes == b""
    assert read_back(out.read_bytes())["Subject"] == "Re: Druckdienst blockiert"


def test_vendor_templates_replace_the_bundled_ones(level0_reply, tmp_path):
    (tmp_path / "reply.en.txt.j2").write_text("Hi {{ customer_name }}! {{ policy.label }}\n", encoding="utf-8")
    result = level0_reply(str(MAIL / "en-plain-ascii.eml"), "--templates", str(tmp_path))
    assert result.exit_code == 0, result.output
    plain, html = parts(read_back(result.stdout_bytes))
    assert plain.startswith("Hi John Smith! ") and "Hello John Smith" in html  # HTML still the bundled one
    (tmp_path / "reply.en.txt.j2").write_text("Hi {{ customer.name }}\n", encoding="utf-8")
    broken = level0_reply(str(MAIL / "en-plain-ascii.eml"), "--templates", str(tmp_path))
    assert_one_error_line(broken, 2, "reply template", "customer")


def test_smtp_failure_exits_1_with_one_line(level0_reply):
    env = {"LEVEL0_SMTP_HOST": "127.0.0.1", "LEVEL0_SMTP_PORT": str(free_port()), "LEVEL0_SMTP_STARTTLS": "false"}
    assert_one_error_line(level0_reply(str(MAIL / "en-plain-ascii.eml"), "--send", env=env), 1, "SMTP server")


def subprocess_env(settings, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEVEL0_")}
    return {
        **env,
        "LEVEL0_DATA_DIR": str(settings.data_dir),
        "LEVEL0_STATE_DIR": str(settings.state_dir),
        "LEVEL0_SITE_DIR": str(settings.site_dir),
        **extra,
    }


def run_level0(settings, *args: str, stdin: bytes, **env: str) -> subprocess.CompletedProcess:
    """Run the real `level0 reply` in a subprocess, the message on standard input, as a mail server would."""
    return subprocess.run(
        [sys.executable, "-m", "triage", "reply", *args, "-f", str(settings.config_file)],
        input=stdin,
        capture_output=True,
        env=subprocess_env(settings, **env),
        timeout=120,
        check=False,
    )


def test_reply_as_a_pipe(settings):
    done = run_level0(settings, "-", stdin=(MAIL / "de-plain-utf8-qp.eml").read_bytes())
    assert done.returncode == 0, done.stderr.decode()
    reply = read_back(done.stdout)
    assert reply["Subject"] == "Re: Drucker druckt keine Rechnungen mehr"
    assert parts(reply)[0].startswith("Guten Tag Anna Müller,")


def test_send_hands_the_reply_to_the_smtp_server(settings, smtp_server):
    controller, recorder = smtp_server
    done = run_level0(
        settings,
        "--send",
        stdin=(MAIL / "en-reply-on-wrote-replyto.eml").read_bytes(),
        LEVEL0_SMTP_HOST="127.0.0.1",
        LEVEL0_SMTP_PORT=str(controller.port),
        LEVEL0_SMTP_STARTTLS="false",
    )
    assert done.returncode == 0, done.stderr.decode()
    assert done.stdout == b"" and b"sent to" in done.stderr
    [envelope] = recorder.envelopes
    assert envelope.mail_from == settings.mail_from
    assert envelope.rcpt_tos == ["it@northwind-trading.example"]
    reply = read_back(envelope.content)
    assert reply["In-Reply-To"].strip() == "<BN8PR12MB3456789A@BN8PR12MB3456.namprd12.prod.outlook.example>"
    assert reply["Auto-Submitted"] == "auto-replied" and reply["X-Level0-Reply"] == "1"
    assert reply["Subject"] == "Re: Export to Excel stops"
    assert parts(reply)[0].startswith("Hello Jane Doe,")


@pytest.fixture
def tls_smtp_server(tmp_path):
    """A real SMTP server that requires STARTTLS and a login, with a self-signed certificate for 127.0.0.1."""
    if shutil.which("openssl") is None:
        raise RuntimeError("openssl is missing: it makes the test certificate (install Debian's openssl package)")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    recorder = Recorder()

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = auth_data.login == b"level0" and auth_data.password == b"s3cret"
        return AuthResult(success=ok)

    controller = Controller(
        recorder,
        hostname="127.0.0.1",
        port=free_port(),
        tls_context=context,
        require_starttls=True,
        authenticator=authenticator,
        auth_required=True,
    )
    controller.start()
    yield controller, recorder, cert
    controller.stop()


def test_send_with_starttls_and_login(level0_reply, tls_smtp_server):
    controller, recorder, cert = tls_smtp_server
    env = {
        "LEVEL0_SMTP_HOST": "127.0.0.1",
        "LEVEL0_SMTP_PORT": str(controller.port),
        "LEVEL0_SMTP_USER": "level0",
        "LEVEL0_SMTP_PASSWORD": "s3cret",
        "SSL_CERT_FILE": str(cert),  # trust the test certificate, as a company CA would be trusted
    }
    result = level0_reply(str(MAIL / "de-iso885915-qp.eml"), "--send", env=env)
    assert result.exit_code == 0, result.output
    # The server takes mail only after STARTTLS and a login: delivery proves both.
    [envelope] = recorder.envelopes
    assert envelope.rcpt_tos == ["weiss@weiss-haustechnik.example"]
    assert read_back(envelope.content)["Subject"] == "Re: Formular für Angebote ändern"


def test_send_skips_loop_mail_without_talking_to_the_server(settings, smtp_server):
    controller, recorder = smtp_server
    done = run_level0(
        settings,
        "--send",
        stdin=(MAIL / "guard-mailer-daemon-bounce.eml").read_bytes(),
        LEVEL0_SMTP_HOST="127.0.0.1",
        LEVEL0_SMTP_PORT=str(controller.port),
        LEVEL0_SMTP_STARTTLS="false",
    )
    assert done.returncode == 0, done.stderr.decode()
    assert b"no reply" in done.stderr and recorder.envelopes == []


def test_build_reply_message_trims_a_long_thread():
    thread = " ".join(f"<{n}@kunde.example>" for n in range(40))
    headers = f"From: a@kunde.example\nMessage-ID: <new@kunde.example>\nReferences: {thread}\n"
    original = parse_message(f"{headers}\nDer Drucker druckt nicht.\n".encode())
    references = str(build_reply_message(original, ReplyText("a", "b"), sender="s@x.example")["References"]).split()
    assert len(references) == 20 and references[0] == "<0@kunde.example>" and references[-1] == "<new@kunde.example>"


def test_build_reply_message_without_message_id():
    original = parse_message(b"From: Anna <anna@kunde.example>\nSubject: AW: Hilfe\n\nText\n")
    reply = build_reply_message(original, ReplyText("Hallo", "<p>Hallo</p>"), sender="Support <s@lindgruen.example>")
    assert "In-Reply-To" not in reply and "References" not in reply
    assert reply["Subject"] == "Re: Hilfe" and reply["Message-ID"].endswith("@lindgruen.example>")
