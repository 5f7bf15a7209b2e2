"""Notices against trusts and their academies: issued, moved along, escalated."""
