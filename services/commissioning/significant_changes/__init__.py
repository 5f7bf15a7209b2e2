"""Significant changes to academies: proposed, consulted on, objected to, decided."""
