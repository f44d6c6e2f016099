"""The answer to one description: triage service, the support policy, languages and product versions."""
