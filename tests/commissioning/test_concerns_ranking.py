"""An open red or red-plus concern is a warning on the candidate it is about, never a score."""

from __future__ import annotations

from datetime import date

from services.commissioning.candidates.ranking import rank_candidates
from services.commissioning.candidates.schemas import Candidate, ConcernWarning
from shared.contracts.commissioning import FactorWeights, PillarWeight
from tests.commissioning.test_candidates_ranking import school, trust

TODAY = date(2026, 11, 20)


def test_a_concern_warns_on_its_trust_and_changes_no_fit_or_rank() -> None:
    trusts = [trust(1), trust(2, schools=3)]
    flag = ConcernWarning(
        concern_id="c" * 32, concern_type="suspected_fraud", rag="red_plus", opened_on=TODAY
    )

    def ranked(concerns: dict[int, list[ConcernWarning]] | None) -> dict[int, Candidate]:
        result = rank_candidates(
            case=[school()],
            trusts=trusts,
            interventions=[],
            pillars=[PillarWeight(pillar="education", weight=1)],
            factors=FactorWeights(),
            today=TODAY,
            concerns=concerns,
        )
        return {c.trust_uid: c for c in result.candidates}

    plain, warned = ranked(None), ranked({2: [flag]})
    before, after = plain[2], warned[2]
    assert after.concern_warnings == [flag] and before.concern_warnings == []
    assert after.warnings == [
        *before.warnings,
        f"Has an open red plus concern (suspected fraud) since {TODAY.isoformat()}",
    ]
    for uid in (1, 2):
        assert (warned[uid].fit, warned[uid].rank, warned[uid].factors) == (
            plain[uid].fit,
            plain[uid].rank,
            plain[uid].factors,
        )
    assert warned[1].concern_warnings == []
