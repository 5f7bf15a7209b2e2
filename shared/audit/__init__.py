"""Audit across services: who did what to which school, trust or case, from the log alone."""
