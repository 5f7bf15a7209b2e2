"""Commissioning's pure domain: cases, the decisions on them, and interventions.

No I/O and no clock: handlers load a stream, pass today's date and what the service knows
about the schools and trusts in, and append what these functions return. ``cases`` holds
the case aggregate (and its referral), ``decisions`` the board's decision and the
significant date's rules, ``interventions`` the notices against trusts and the rule that a
termination notice opens a rebrokerage case, ``delegations`` a step delegated in a region
to a deputy, and ``duties`` the separation of duties on a decision (who recommended a trust
may not decide on it).
"""
