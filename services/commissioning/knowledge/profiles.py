"""Trust profiles: the shortlist's input, one row per trust, kept precomputed.

Recomputed by the knowledge consumer for the trusts each batch touched, after the batch's
facts are written, in the same transaction.
"""

from __future__ import annotations

from collections.abc import Collection

import asyncpg

# The profile of each trust in $1: its open schools, its track record with schools that
# joined below good (the last grade before joining, the school's own or a predecessor's,
# against the last grade while in the trust) and its latest standing published assessment.
_PROFILES_SQL = """
INSERT INTO commissioning_trust_profiles
       (uid, name, trust_type, closed, schools, joined_below_good, improved, assessment)
SELECT t.uid, t.name, t.trust_type, t.closed,
       coalesce((
         SELECT jsonb_agg(jsonb_build_object(
                  'urn', s.urn, 'la', s.la_code, 'la_name', s.la_name,
                  'district', s.district_name, 'region', s.region_code, 'phase', s.phase,
                  'e', s.easting, 'n', s.northing, 'faith', s.religious_character,
                  'diocese', s.diocese, 'joined', m.from_date, 'pupils', s.pupils)
                ORDER BY s.urn)
           FROM commissioning_memberships m
           JOIN commissioning_school_facts s ON s.urn = m.urn
          WHERE m.trust_uid = t.uid AND m.to_date IS NULL AND NOT s.closed), '[]'::jsonb),
       coalesce(tr.below, 0), coalesce(tr.improved, 0),
       (SELECT jsonb_build_object('assessment_id', a.assessment_id,
                                  'published_on', a.published_on, 'judgements', a.judgements)
          FROM commissioning_published_assessments a
         WHERE a.trust_uid = t.uid AND NOT a.withdrawn
         ORDER BY a.published_on DESC, a.position DESC LIMIT 1)
  FROM commissioning_trust_facts t
  LEFT JOIN LATERAL (
    SELECT count(*) FILTER (WHERE NOT j.before_ok AND j.after_ok IS NOT NULL) AS below,
           count(*) FILTER (WHERE NOT j.before_ok AND j.after_ok) AS improved
      FROM (
        SELECT (SELECT i.good_or_better FROM commissioning_inspections i
                 WHERE i.urn = ANY(array_prepend(m.urn, s.predecessor_urns))
                   AND i.inspection_start < m.from_date AND i.good_or_better IS NOT NULL
                 ORDER BY i.inspection_start DESC LIMIT 1) AS before_ok,
               (SELECT i.good_or_better FROM commissioning_inspections i
                 WHERE i.urn = m.urn AND i.inspection_start >= m.from_date
                   AND (m.to_date IS NULL OR i.inspection_start < m.to_date)
                   AND i.good_or_better IS NOT NULL
                 ORDER BY i.inspection_start DESC LIMIT 1) AS after_ok
          FROM commissioning_memberships m
          JOIN commissioning_school_facts s ON s.urn = m.urn
         WHERE m.trust_uid = t.uid) j
  ) tr ON true
 WHERE t.uid = ANY($1::int[])
ON CONFLICT (uid) DO UPDATE SET
  name = EXCLUDED.name, trust_type = EXCLUDED.trust_type, closed = EXCLUDED.closed,
  schools = EXCLUDED.schools, joined_below_good = EXCLUDED.joined_below_good,
  improved = EXCLUDED.improved, assessment = EXCLUDED.assessment,
  revision = nextval('commissioning_profile_revisions')
"""
# Also every trust an inspected school was ever in (its track record may have changed).
_TRUSTS_OF_SCHOOLS = """
SELECT DISTINCT trust_uid FROM commissioning_memberships WHERE urn = ANY($1::int[])
"""


async def refresh_profiles(
    conn: asyncpg.Connection, trusts: Collection[int], inspected: Collection[int]
) -> None:
    """Recompute the profiles of ``trusts`` and of every trust ``inspected`` schools were in."""
    touched = set(trusts)
    if inspected:
        touched.update(r[0] for r in await conn.fetch(_TRUSTS_OF_SCHOOLS, sorted(inspected)))
    if touched:
        await conn.execute(_PROFILES_SQL, sorted(touched))
