"""Whole-trust interventions: a direction to a trust, a termination warning notice to a whole trust."""
