"""The codes a concern uses, with where each list comes from and whether it was checked.

The lists follow DfE's "Record concerns and support for trusts" service design (concern
types, the RAG ratings, the actions a case team takes up). No published source could be
checked when they were written, so each is marked unverified here and in ``GET
/concerns/{id}``'s ``sources``: a reader sees the codes are the system's, not the law's.
"""

from __future__ import annotations

from typing import get_args

from shared.contracts.concerns import (
    ConcernActionStatus,
    ConcernActionType,
    ConcernRag,
    ConcernType,
)

SOURCE = "DfE, Record concerns and support for trusts (service design)"

# Most serious first: a de-escalation moves right along this.
RAG_ORDER: tuple[ConcernRag, ...] = get_args(ConcernRag)
# Shown as a warning wherever the trust is ranked, while the concern is not closed.
WARNING_RAGS: frozenset[str] = frozenset({"red_plus", "red"})
CONCERN_TYPES: tuple[ConcernType, ...] = get_args(ConcernType)
ACTION_TYPES: tuple[ConcernActionType, ...] = get_args(ConcernActionType)
ACTION_STATUSES: tuple[ConcernActionStatus, ...] = get_args(ConcernActionStatus)
# An action in one of these is finished: it changes no more.
FINISHED_ACTIONS: frozenset[str] = frozenset({"completed", "cancelled"})

SOURCES: tuple[dict[str, object], ...] = (
    {"what": "concern types", "source": SOURCE, "verified": False},
    {
        "what": "RAG ratings (red plus, red, red amber, amber green)",
        "source": SOURCE,
        "verified": False,
    },
    {"what": "action types and statuses", "source": SOURCE, "verified": False},
)


def rag_label(rag: str) -> str:
    """A RAG code as a reader says it: ``red_plus`` is "red plus"."""
    return rag.replace("_", " ")
