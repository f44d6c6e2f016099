"""Contract-aware answers over HTTP and e-mail: tokens, the webhook, `level0 reply`, time entries, the warning mail."""

from __future__ import annotations

import email
import hashlib
import hmac
import json
import os
from email import policy as email_policy

import pytest
from conftest import AGENT_TOKEN
from event_backends import BACKENDS, backend_url

from triage.answer.policy import load_policy
from triage.cli import main
from triage.contracts.csv_io import parse_contracts
from triage.contracts.store import ContractStore
from triage.contracts.tokens import customer_token
from triage.events.store import EventStore
from triage.settings import bundled_path

SECRET = "contract-app-secret-77c1"
HOOK_SECRET = "whsec-contracts-3e1"
CONTRACTS = """customer_id,name,emails,plan,valid_until
K-1001,Vogt Elektro GmbH,it@vogt-elektro.example;@vogt-elektro.example,Premium,2099-12-31
K-1002,Bauer KG,chef@bauer.example,Basis,
K-1003,Alt GmbH,it@alt.example,Premium,2001-01-31
"""
INFRA = "Seit dem Windows-Update auf dem Terminalserver kommt keine Verbindung zum Datenbankserver zustande, Netzwerk"
JSON = "application/json"
AUTH = {"Authorization": f"Bearer {AGENT_TOKEN}"}


@pytest.fixture(params=BACKENDS)
def events_url(request, tmp_path):
    yield from backend_url(request, tmp_path)


@pytest.fixture
def contract_settings(settings, events_url, smtp_server):
    store = ContractStore(EventStore(events_url))
    plans = list(load_policy(bundled_path("policy.yml")).plans)
    store.import_contracts(parse_contracts(CONTRACTS.encode(), plans).contracts)
    store.close()
    controller, _ = smtp_server
    return settings.model_copy(
        update={
            "database_url": events_url,
            "agent_tokens": (AGENT_TOKEN,),
            "customer_secret": SECRET,
            "webhook_secret": HOOK_SECRET,
            "smtp_host": "127.0.0.1",
            "smtp_port": controller.port,
            "smtp_starttls": False,
        }
    )


@pytest.fixture
def contract_client(contract_settings, make_app):
    return make_app(contract_settings).test_client()


def triage(client, **extra):
    response = client.post("/api/triage", json={"description": INFRA, "language": "de", **extra})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def book(client, entry_id: str, minutes: float, **fields):
    body = {"customer_id": "K-1001", "ticket_id": "4711", "entry_id": entry_id, "level": 2, "minutes": minutes}
    return client.post("/api/time-entries", json=body | fields, headers=AUTH)


def test_a_valid_token_shows_the_contingent_a_forged_one_nothing(contract_client):
    plain = triage(contract_client)
    assert plain["category"] == "infrastructure" and "contract" not in plain
    assert book(contract_client, "t-1", 40).status_code == 201

    answer = triage(contract_client, customer_token=customer_token("K-1001", SECRET))
    contract = answer["contract"]
    assert (contract["customer_id"], contract["plan"], contract["covered"], contract["level"]) == (
        "K-1001",
        "Premium",
        "depends",
        2,
    )
    assert contract["contingents"] == [
        {"level": 2, "limit_minutes": 360, "used_minutes": 40, "left_minutes": 320, "warning": False}
    ]
    assert contract["price_per_step"] == 6.67 and contract["response_hours"] == 4
    assert contract["sentence"] == (
        "Ihr Paket Premium: Antwort innerhalb von 4 Stunden; diese Analyse wäre kostenpflichtig, falls die Ursache"
        " in Ihrer IT liegt, und würde Ihr 2nd-Level-Kontingent belasten: noch 5 h 20 min von 6 h in diesem Monat."
    )
    english = triage(contract_client, customer_token=customer_token("K-1001", SECRET), language="en")
    assert english["contract"]["sentence"].startswith("Your Premium plan: an answer within 4 hours;")

    signature = customer_token("K-1001", SECRET).rpartition(".")[2]
    for token in (
        "K-1001",  # a bare id
        f"K-1002.{signature}",  # another customer's id with this signature
        customer_token("K-1001", "a-different-secret-123"),
        customer_token("K-9999", SECRET),  # signed, but no such contract
        customer_token("K-1003", SECRET),  # expired contract
    ):
        forged = triage(contract_client, customer_token=token)
        assert "contract" not in forged and set(forged) == set(plain), token


def test_time_entries_need_an_agent_token_and_valid_fields(contract_client):
    assert book(contract_client, "n-1", 5).status_code == 201
    anonymous = contract_client.post("/api/time-entries", json={"customer_id": "K-1001"})
    assert anonymous.status_code == 401
    for fields, named in [
        ({"level": 4}, "level"),
        ({"minutes": 0}, "minutes"),
        ({"minutes": "viel"}, "minutes"),
        ({"customer_id": "K-9999"}, "customer_id"),
        ({"extra": 1}, "extra"),
    ]:
        body = {"customer_id": "K-1001", "ticket_id": "4711", "entry_id": "n-2", "level": 2, "minutes": 5} | fields
        response = contract_client.post("/api/time-entries", json=body, headers=AUTH)
        assert response.status_code == 422, (fields, response.get_json())
        assert named in response.get_json()["error"]["message"]


def test_seven_twelve_and_one_minutes_are_billed_as_thirty_over_http(contract_client):
    billed = [book(contract_client, f"h-{n}", m).get_json()["billed_minutes"] for n, m in enumerate((7, 12, 1))]
    assert billed == [10, 15, 5]
    again = book(contract_client, "h-0", 7)
    assert again.status_code == 200 and again.get_json()["duplicate"] is True
    assert again.get_json()["contingent"]["used_minutes"] == 30


def test_the_eighty_percent_warning_is_mailed_once(contract_client, smtp_server):
    _, recorder = smtp_server
    assert book(contract_client, "w-1", 280).get_json()["warning"] is None  # 280 of 360: 78 %
    passed = book(contract_client, "w-2", 10).get_json()  # 290 of 360: 81 %
    assert passed["contingent"]["warning"] is True and passed["warning"] == {"sent": True, "percent": 81}
    later = book(contract_client, "w-3", 100).get_json()  # over the limit: still no second mail this month
    assert later["warning"]["sent"] is False and later["contingent"]["left_minutes"] == 0
    [envelope] = recorder.envelopes
    assert envelope.rcpt_tos == ["it@vogt-elektro.example"]
    mail = email.message_from_bytes(envelope.content, policy=email_policy.default)
    assert mail["Auto-Submitted"] == "auto-generated" and mail["X-Level0-Reply"] == "1"
    assert mail["Subject"].startswith("Ihr 2nd-Level-Kontingent für ") and "81 %" in mail["Subject"]
    body = " ".join(mail.get_content().split())
    assert "4 h 50 min von 6 h verbraucht (81 %)" in body and "noch 1 h 10 min" in body


def signed(body: bytes) -> dict[str, str]:
    return {"X-Hub-Signature-256": "sha256=" + hmac.new(HOOK_SECRET.encode(), body, hashlib.sha256).hexdigest()}


@pytest.mark.parametrize(
    ("address", "plan"),
    [
        ("it@vogt-elektro.example", "Premium"),
        ("Anna.Meier@vogt-elektro.example", "Premium"),
        ("chef@bauer.example", "Basis"),
    ],
)
def test_the_webhook_finds_the_contract_by_e_mail(contract_client, address, plan):
    body = json.dumps({"ticket_id": 9, "subject": "Mailversand", "body": INFRA, "customer_email": address}).encode()
    response = contract_client.post(
        "/api/webhook/ticket", data=body, headers=signed(body), content_type="application/json"
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    data = response.get_json()
    contract = data["triage"]["contract"]
    assert contract["plan"] == plan
    assert contract["sentence"] in " ".join(data["reply"]["plain"].split())
    assert f"Ihr Paket {plan}:" in data["reply"]["html"]


def test_the_webhook_without_a_known_address_answers_as_before(contract_client):
    body = json.dumps({"ticket_id": 9, "body": INFRA, "customer_email": "someone@elsewhere.example"}).encode()
    response = contract_client.post(
        "/api/webhook/ticket", data=body, headers=signed(body), content_type="application/json"
    )
    assert "contract" not in response.get_json()["triage"] and "Ihr Paket" not in response.get_json()["reply"]["plain"]


def mail_from(sender: str, reply_to: str | None = None) -> bytes:
    headers = [f"From: Anna Meier <{sender}>", "To: support@lindgruen.example", "Subject: Mailversand geht nicht"]
    headers += [f"Reply-To: {reply_to}"] if reply_to else []
    headers += ["Message-ID: <c1@vogt-elektro.example>", "Content-Type: text/plain; charset=utf-8"]
    return ("\r\n".join(headers) + "\r\n\r\n" + INFRA + "\r\n").encode()


def test_reply_names_the_contract_of_the_sender(runner, contract_settings):
    env = {k: None for k in os.environ if k.startswith("LEVEL0_")}
    env |= {
        "LEVEL0_DATA_DIR": str(contract_settings.data_dir),
        "LEVEL0_STATE_DIR": str(contract_settings.state_dir),
        "LEVEL0_DATABASE_URL": contract_settings.database_url,
    }
    command = ["reply", "-", "-f", str(contract_settings.config_file)]
    result = runner.invoke(main, command, input=mail_from("it@vogt-elektro.example"), env=env)
    assert result.exit_code == 0, result.output
    reply = email.message_from_bytes(result.stdout_bytes, policy=email_policy.default)
    plain = " ".join(reply.get_body(("plain",)).get_content().split())
    assert "Ihr Paket Premium: Antwort innerhalb von 4 Stunden;" in plain
    # A forged From with a Reply-To elsewhere gets no contract data.
    forged = runner.invoke(main, command, input=mail_from("it@vogt-elektro.example", "x@evil.example"), env=env)
    assert forged.exit_code == 0, forged.output
    assert "Ihr Paket" not in forged.stdout_bytes.decode("utf-8", "replace")


def test_contract_data_stays_out_of_the_event_log_and_reaches_insights(contract_client, contract_settings):
    triage(contract_client, customer_token=customer_token("K-1001", SECRET))
    book(contract_client, "i-1", 300)
    contract_client.application.extensions["level0"].events.close()
    store = EventStore(contract_settings.events_url)
    rows = [json.dumps(event.to_row(), default=str) for event in store.read_events()]
    assert rows and not any("K-1001" in row or "Premium" in row or "Vogt" in row for row in rows)
    contract_client.post("/api/agent/session", headers=AUTH)
    page = contract_client.get("/agent/insights").get_data(as_text=True)
    assert 'id="contingents"' in page and "K-1001 Vogt Elektro GmbH" in page and ">near<" in page
    store.close()
