"""Contracts on SQLite and PostgreSQL: plans in the policy, CSV import/export, tokens, 5-minute billing, usage."""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

import pytest
import yaml
from event_backends import BACKENDS, backend_url

from triage.answer.policy import PolicyError, load_policy
from triage.cli import main
from triage.contracts.entries import TimeEntryRequest
from triage.contracts.plans import billed_minutes, format_duration
from triage.contracts.service import ContractDesk, today_utc
from triage.contracts.store import ContractError, ContractStore
from triage.contracts.tokens import customer_from_token, customer_token
from triage.contracts.usage import contingent_alerts, month_of
from triage.events.store import EventStore
from triage.settings import bundled_path

POLICY = load_policy(bundled_path("policy.yml"))
SECRET = "contract-test-secret-0b7f"
GOOD_CSV = """customer_id,name,emails,plan,valid_until
K-1001,Vogt Elektro GmbH,it@vogt-elektro.example;@vogt-elektro.example,Premium,2099-12-31
K-1002,"Bauer & Söhne, KG",buchhaltung@bauer.example,Basis,
"""


@pytest.fixture(params=BACKENDS)
def events_url(request, tmp_path):
    yield from backend_url(request, tmp_path)


@pytest.fixture
def store(events_url):
    contracts = ContractStore(EventStore(events_url))
    yield contracts
    contracts.close()


@pytest.fixture
def cli(runner, settings, events_url, tmp_path):
    """Run `level0 contracts ARGS` against the backend's database, with no LEVEL0_* of the caller."""
    env = {k: None for k in os.environ if k.startswith("LEVEL0_")}
    env |= {"LEVEL0_STATE_DIR": str(settings.state_dir), "LEVEL0_DATABASE_URL": events_url}

    def run(*args: str, input: str | None = None, extra: dict | None = None):
        command = ["contracts", *args, "-f", str(settings.config_file)]
        return runner.invoke(main, command, input=input, env=env | (extra or {}))

    return run


def write(tmp_path: Path, text: str, name: str = "contracts.csv") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def one_error_line(result) -> str:
    assert result.exit_code == 2, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    return lines[0]


# ----------------------------------------------------------------------------------------------- plans


@pytest.mark.parametrize(
    ("minutes", "billed"), [(1, 5), (5, 5), (7, 10), (10, 10), (12, 15), (0.5, 5), (59.9, 60), (0, 0)]
)
def test_minutes_round_up_to_five_minute_steps(minutes, billed):
    assert billed_minutes(minutes) == billed


def test_the_demo_policy_has_basis_and_premium_plans():
    assert {"Basis", "Premium"} <= set(POLICY.plans)
    premium = POLICY.plans["Premium"]
    assert premium.response_hours.bug == 4 and POLICY.plans["Basis"].response_hours.consulting is None
    assert premium.warning_percent == 80 and premium.limit(2) == 360
    assert str(premium.price_per_step(2)) == "6.67"  # 80 €/h in 5-minute steps
    assert format_duration(220) == "3 h 40 min" and format_duration(360) == "6 h" and format_duration(45) == "45 min"


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        (("plans", "Premium", "contingent_minutes", 2), 7, "contingent_minutes.2"),
        (("plans", "Basis", "contingent_minutes", 3), 60, "contingent_minutes.3"),
        (("plans", "Premium", "hourly_rate"), {1: 70, 2: 80}, "hourly_rate.3"),
        (("plans", "Premium", "warning_percent"), 180, "plans.Premium.warning_percent"),
        (("plans", "Premium", "levels"), [4], "plans.Premium.levels.0"),
        (("billing_levels", "consulting"), 5, "billing_levels.consulting"),
    ],
)
def test_a_broken_plan_is_named_at_start(tmp_path, path, value, field):
    data = yaml.safe_load(bundled_path("policy.yml").read_text(encoding="utf-8"))
    target = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    broken = tmp_path / "policy.yml"
    broken.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(PolicyError) as caught:
        load_policy(broken)
    assert field in str(caught.value) and str(broken) in str(caught.value)


# ----------------------------------------------------------------------------------------------- tokens


def test_tokens_are_signed_and_compared_whole():
    token = customer_token("K-1001", SECRET)
    assert customer_from_token(token, SECRET) == "K-1001"
    customer, _, signature = token.rpartition(".")
    forged = [
        "K-1001",  # a bare id
        f"K-1002.{signature}",  # another customer with this signature
        f"{customer}.{signature[:-1]}0" if signature[-1] != "0" else f"{customer}.{signature[:-1]}1",
        f"{customer}.{signature[:40]}",
        customer_token("K-1001", "another-secret-of-16+"),
        "",
        "." * 300,
    ]
    assert [customer_from_token(t, SECRET) for t in forged] == [None] * len(forged)
    assert customer_from_token(token, None) is None  # no secret configured: no customer


def test_token_command_prints_a_signed_token_and_needs_the_secret(cli):
    result = cli("token", "K-1001", extra={"LEVEL0_CUSTOMER_SECRET": SECRET})
    assert result.exit_code == 0, result.output
    assert customer_from_token(result.stdout.strip(), SECRET) == "K-1001"
    assert "LEVEL0_CUSTOMER_SECRET" in one_error_line(cli("token", "K-1001"))
    assert "customer id" in one_error_line(cli("token", "K 1001", extra={"LEVEL0_CUSTOMER_SECRET": SECRET}))


# ----------------------------------------------------------------------------------------------- import/export


def test_import_then_reimport_updates_and_export_round_trips(cli, store, tmp_path):
    result = cli("import", write(tmp_path, GOOD_CSV))
    assert result.exit_code == 0, result.output
    assert "2 new, 0 updated" in result.stdout
    changed = GOOD_CSV.replace("Premium,2099-12-31", "Basis,2099-06-30").replace(
        "buchhaltung@bauer.example", "it@bauer.example;@bauer.example"
    )
    result = cli("import", write(tmp_path, changed))
    assert result.exit_code == 0, result.output
    assert "0 new, 2 updated" in result.stdout
    vogt = store.contract("K-1001")
    assert (vogt.plan, vogt.valid_until.isoformat(), vogt.contact) == ("Basis", "2099-06-30", "it@vogt-elektro.example")
    assert store.contract("K-1002").emails == ("it@bauer.example", "@bauer.example")
    assert store.customer_for_email("buchhaltung@bauer.example") == "K-1002"  # by its domain now

    exported = cli("export")
    assert exported.exit_code == 0, exported.output
    rows = list(csv.DictReader(io.StringIO(exported.stdout)))
    assert [(r["customer_id"], r["name"], r["emails"], r["plan"]) for r in rows] == [
        ("K-1001", "Vogt Elektro GmbH", "it@vogt-elektro.example;@vogt-elektro.example", "Basis"),
        ("K-1002", "Bauer & Söhne, KG", "it@bauer.example;@bauer.example", "Basis"),
    ]
    again = cli("import", write(tmp_path, exported.stdout, "exported.csv"))
    assert again.exit_code == 0 and "0 new, 2 updated" in again.stdout, again.output


def test_broken_rows_are_reported_by_line_and_nothing_is_imported(cli, store, tmp_path):
    broken = (
        GOOD_CSV
        + "K-1003,Nord GmbH,not-an-address,Premium,\n"
        + "K-1004,Süd AG,it@sued.example,Gold,\n"
        + "K-1005,West KG,it@west.example,Basis,31.12.2026\n"
        + "K-1001,Doppelt,x@doppelt.example,Basis,\n"
        + "K-1006,Ost,it@vogt-elektro.example,Basis,\n"
    )
    line = one_error_line(cli("import", write(tmp_path, broken)))
    assert "5 bad row(s), nothing imported" in line
    for number, fragment in [
        (4, "emails: 'not-an-address'"),
        (5, "plan: 'Gold'"),
        (6, "valid_until"),
        (7, "customer_id: K-1001 is already on line 2"),
        (8, "emails: it@vogt-elektro.example is already listed for K-1001"),
    ]:
        assert f"line {number}: {fragment}" in line, line
    assert store.contracts() == []  # the good rows were not imported either


def test_an_address_of_another_customer_in_the_database_fails_the_whole_file(cli, store, tmp_path):
    assert cli("import", write(tmp_path, GOOD_CSV)).exit_code == 0
    other = (
        "customer_id,name,emails,plan,valid_until\n"
        "K-2000,Neu GmbH,neu@neu.example,Basis,\n"
        "K-2001,Klau AG,@vogt-elektro.example,Basis,\n"
    )
    line = one_error_line(cli("import", write(tmp_path, other)))
    assert "line 3: emails: @vogt-elektro.example already belongs to customer K-1001" in line
    assert store.contract("K-2000") is None and store.customer_for_email("x@vogt-elektro.example") == "K-1001"


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ("customer_id,name,plan\nK-1,A,Basis\n", "line 1: the header must be"),
        ("customer_id,name,emails,plan,valid_until\n", "no contracts"),
    ],
)
def test_unusable_files_are_one_line_errors(cli, tmp_path, content, fragment):
    assert fragment in one_error_line(cli("import", write(tmp_path, content)))
    path = tmp_path / "latin1.csv"
    path.write_bytes(GOOD_CSV.encode("latin-1"))
    assert "not UTF-8" in one_error_line(cli("import", str(path)))


def test_exact_addresses_win_over_domains(store):
    from triage.contracts.csv_io import parse_contracts

    text = (
        "customer_id,name,emails,plan,valid_until\n"
        "K-1,Konzern,@konzern.example,Basis,\n"
        "K-2,Tochter,einkauf@konzern.example,Premium,\n"
    )
    store.import_contracts(parse_contracts(text.encode(), list(POLICY.plans)).contracts)
    assert store.customer_for_email("Einkauf@Konzern.example") == "K-2"
    assert store.customer_for_email("vertrieb@konzern.example") == "K-1"
    assert store.customer_for_email("vertrieb@sub.konzern.example") is None
    assert store.customer_for_email("konzern.example") is None


# ----------------------------------------------------------------------------------------------- time and usage


def desk_for(store) -> ContractDesk:
    from triage.contracts.csv_io import parse_contracts

    store.import_contracts(parse_contracts(GOOD_CSV.encode(), list(POLICY.plans)).contracts)
    settings = type("S", (), {"customer_secret": SECRET, "reply_templates": None, "smtp_host": None})()
    return ContractDesk(store, POLICY, settings)


def entry(entry_id: str, minutes: float | None = None, **fields) -> TimeEntryRequest:
    values = {"customer_id": "K-1001", "ticket_id": "4711", "entry_id": entry_id, "level": 2, "minutes": minutes}
    return TimeEntryRequest.model_validate(values | fields)


def test_seven_twelve_and_one_minute_are_billed_as_thirty_and_a_repeat_once(store):
    desk = desk_for(store)
    answers = [desk.record_time(entry(f"z-{n}", minutes)) for n, minutes in enumerate((7, 12, 1))]
    assert [a["billed_minutes"] for a in answers] == [10, 15, 5]
    assert answers[-1]["contingent"]["used_minutes"] == 30
    repeat = desk.record_time(entry("z-1", 12))
    assert (repeat["recorded"], repeat["duplicate"], repeat["contingent"]["used_minutes"]) == (False, True, 30)
    free = desk.record_time(entry("z-9", 20, billable=False))
    assert free["billed_minutes"] == 20 and free["contingent"]["used_minutes"] == 30  # not from the contingent
    [line] = [u for u in store.usage(month_of(today_utc())) if u.billable]
    assert (line.ticket_id, line.level, line.entries, line.billed_minutes, line.minutes) == ("4711", 2, 3, 30, 20.0)


def test_ticket_totals_record_only_what_is_new(store):
    desk = desk_for(store)
    first = desk.record_time(entry("zammad-4711-7", ticket_total_minutes=7))
    second = desk.record_time(entry("zammad-4711-19", ticket_total_minutes=19))
    same = desk.record_time(entry("zammad-4711-19b", ticket_total_minutes=19))
    assert (first["billed_minutes"], second["billed_minutes"], same["recorded"]) == (10, 15, False)


def test_time_for_an_unknown_customer_is_refused(store):
    desk = desk_for(store)
    with pytest.raises(ContractError, match="customer_id"):
        desk.record_time(entry("x", 5, customer_id="K-9999"))
    with pytest.raises(ContractError, match="customer_email"):
        desk.record_time(entry("x", 5, customer_id=None, customer_email="a@nowhere.example"))
    by_domain = desk.record_time(entry("y", 5, customer_id=None, customer_email="Chef@Vogt-Elektro.example"))
    assert by_domain["customer_id"] == "K-1001"


def test_usage_report_per_customer_level_and_ticket(cli, store):
    desk = desk_for(store)
    for n, (ticket, level, minutes) in enumerate([("4711", 2, 7), ("4711", 2, 12), ("4712", 3, 61), ("4711", 2, 1)]):
        desk.record_time(entry(f"u-{n}", minutes, ticket_id=ticket, level=level))
    result = cli("usage", "--csv")
    assert result.exit_code == 0, result.output
    rows = {(r["ticket_id"], r["level"]): r for r in csv.DictReader(io.StringIO(result.stdout))}
    assert rows[("4711", "2")]["billed_minutes"] == "30" and rows[("4711", "2")]["amount"] == "40.02"
    assert rows[("4712", "3")]["billed_minutes"] == "65" and rows[("4712", "3")]["left_minutes"] == "175"
    text = cli("usage", "--month", month_of(today_utc()))
    assert "K-1001 Vogt Elektro GmbH (Premium), level 2: 30 min of 6 h used, 5 h 30 min left" in text.stdout
    assert "ticket 4711: 30 min billable" in text.stdout
    assert "month" in one_error_line(cli("usage", "--month", "2026-13"))


def test_insights_list_who_is_near_or_over(store):
    desk = desk_for(store)
    desk.record_time(entry("a", 290))  # 290 of Premium's 360 level-2 minutes: 81 %
    desk.record_time(entry("b", 125, customer_id="K-1002", level=1))  # 125 of Basis' 120 level-1 minutes
    desk.record_time(entry("c", 5, level=3))
    alerts = contingent_alerts(store, POLICY.plans, month_of(today_utc()))
    assert [(a.customer_id, a.contingent.level, a.state) for a in alerts] == [
        ("K-1002", 1, "over"),
        ("K-1001", 2, "near"),
    ]
