"""A regional director's steps delegated to a named deputy for a period."""
