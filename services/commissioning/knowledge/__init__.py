"""What commissioning knows of schools, trusts and published judgements, projected from events.

Never imported from the registry or assessment services: everything here comes from their
published events (``shared.contracts``) through the ``commissioning-knowledge`` consumer.
"""

from __future__ import annotations

from services.commissioning.knowledge.facts import (
    SchoolFact,
    TrustFact,
    school_facts,
    trust_fact,
)
from services.commissioning.knowledge.projection import knowledge_projection

__all__ = ["SchoolFact", "TrustFact", "knowledge_projection", "school_facts", "trust_fact"]
