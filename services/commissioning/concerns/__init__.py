"""Concerns about trusts: recorded, rated, acted on, de-escalated and closed."""
