"""The explained candidate shortlist for a case: which open trusts could take its schools."""

from __future__ import annotations

from services.commissioning.candidates.schemas import (
    Candidate,
    CandidateList,
    ExcludedTrust,
    FactorScore,
)
from services.commissioning.candidates.service import candidates_for, candidates_json_for

__all__ = [
    "Candidate",
    "CandidateList",
    "ExcludedTrust",
    "FactorScore",
    "candidates_for",
    "candidates_json_for",
]
