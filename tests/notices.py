"""Who decides a notice in tests: every notice is issued and moved on by a named person of a
grade the intervention policy names for its kind (a regional director may decide any)."""

from __future__ import annotations

DECIDED: dict[str, str] = {"decided_by": "Rhian Director", "decider_grade": "regional_director"}
MOVED: dict[str, str] = {**DECIDED, "reason": "Reviewed at the monitoring meeting."}
