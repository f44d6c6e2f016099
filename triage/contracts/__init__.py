"""Customers' contracts: plans from the policy file, contracts and time entries in the event store's database.

No Flask here: `triage/web/time_entries.py` (HTTP) and `triage/cli/contracts.py` (`level0 contracts`) are
the adapters. Modules: plans (plans, 5-minute rounding), tokens (signed customer tokens), store
(tables and queries), csv_io (import/export), usage (contingents), answer (the `contract` field),
warning_mail (the warning before a contingent runs out), service (what the adapters call).
"""
