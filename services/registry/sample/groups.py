"""Academy trusts, federations, sponsors and foundation trusts for the synthetic schools.

Trusts are regional: a multi-academy trust grows outwards from one school's LA through the
nearest LAs, faith trusts recruit schools of their own church, and trust sizes have a long
tail (most trusts small, a few with 50+ schools) with about one trust per 4-5 academies.
"""

from __future__ import annotations

import math
from datetime import date, timedelta
from random import Random

from services.registry.sample import gias_format as g
from services.registry.sample import names
from services.registry.sample.geography import LaGeo, geography
from services.registry.sample.model import Group, School
from services.registry.sample.schools import first_of_month, rand_date

#: Share of live academies that are single-academy trusts (about 38% of trusts).
SAT_SHARE = 0.083
#: Share of multi-academy trusts that a local authority set up (a handful nationally).
LA_TRUST_SHARE = 0.004
MAT_MEDIAN_LOG = math.log(4.3)
MAT_SIGMA = 0.9
SAT_WEIGHT = {"secondary": 4.0, "all_through": 2.0, "sixteen": 3.0, "primary": 0.6, "ap": 0.5}
EARLIEST = date(2002, 9, 1)


def _distance_order() -> dict[str, list[LaGeo]]:
    geo = geography()
    return {
        a.code: sorted(
            geo,
            key=lambda b: ((a.easting - b.easting) ** 2 + (a.northing - b.northing) ** 2, b.code),
        )
        for a in geo
    }


def _mat_sizes(rng: Random, total: int) -> list[int]:
    """Trust sizes (each >= 2) summing to ``total``, long-tailed, largest first.

    Log-normal with a median of about four schools: most trusts are small, a few per
    thousand hold 50+, and the largest is capped near 1% of all academies.
    """
    cap = max(8, int(0.009 * total))
    sizes: list[int] = []
    left = total
    while left > 0:
        size = min(cap, max(2, round(math.exp(rng.gauss(MAT_MEDIAN_LOG, MAT_SIGMA)))))
        if size >= left - 1:
            size = left
        sizes.append(size)
        left -= size
    return sorted(sizes, reverse=True)


def _weighted_sample(
    rng: Random, items: list[School], weights: list[float], k: int
) -> list[School]:
    """``k`` items without replacement, weighted (Efraimidis-Spirakis keys)."""
    keyed = sorted(((rng.random() ** (1.0 / w), i) for i, w in enumerate(weights)), reverse=True)
    return [items[i] for _, i in keyed[:k]]


def _named(rng: Random, kind: str, name: str, home: LaGeo, status: str = "OPEN") -> Group:
    # GIAS shows many trusts by their Companies House name, in capitals.
    shown = name.upper() if rng.random() < 0.4 else name
    return Group(kind, shown, home, status=status, plain_name=name)


def _trust_name(rng: Random, seed: School) -> str:
    return names.trust_name(rng, seed.town, seed.faith, seed.diocese or seed.geo.name)


def allocate_trusts(rng: Random, academies: list[School]) -> list[Group]:
    """Put every live academy in a trust; returns the trusts (links not yet dated)."""
    if not academies:
        return []
    order = _distance_order()
    joinable = [s for s in academies if s.status != g.PROPOSED_TO_OPEN]
    weights = [SAT_WEIGHT.get(s.category, 1.0) for s in joinable]
    sats = _weighted_sample(rng, joinable, weights, round(SAT_SHARE * len(academies)))
    trusts: list[Group] = []
    for s in sats:
        name = rng.choice((f"{s.name} Academy Trust", s.name, f"The {s.place} Academy Trust"))
        trust = _named(rng, g.SAT, name, s.geo)
        s.trust = trust
        trust.link(s, None)
        trusts.append(trust)

    pool = [s for s in academies if s.trust is None]
    rng.shuffle(pool)
    pools: dict[tuple[str, str], list[School]] = {}
    for s in pool:
        pools.setdefault((s.geo.code, s.faith or ""), []).append(s)

    def take(trust: Group, key: tuple[str, str], limit: int) -> int:
        got = 0
        bucket = pools.get(key, [])
        while bucket and got < limit:
            s = bucket.pop()
            if s.trust is None:
                s.trust = trust
                trust.link(s, None)
                got += 1
        return got

    cursor = 0
    for size in _mat_sizes(rng, len(pool)):
        while cursor < len(pool) and pool[cursor].trust is not None:
            cursor += 1
        if cursor == len(pool):
            break
        seed = pool[cursor]
        trust = _named(rng, g.MAT, _trust_name(rng, seed), seed.geo)
        seed.trust = trust
        trust.link(seed, None)
        need = size - 1
        faith = seed.faith or ""
        per_la = max(2, math.ceil(size * 0.4))
        near = order[seed.geo.code]
        # Nearest LAs first, a few schools from each; then fill up wherever schools are left.
        for limit in (per_la, size):
            for la in near:
                if need == 0:
                    break
                need -= take(trust, (la.code, faith), min(need, limit))
        for other in ("", "CE", "RC"):
            for la in near:
                if need == 0:
                    break
                need -= take(trust, (la.code, other), need)
        trusts.append(trust)
    return trusts


def pick_la_trusts(rng: Random, trusts: list[Group]) -> list[Group]:
    """Mark a few small multi-academy trusts as set up by their local authority."""
    small = [t for t in trusts if t.type_code == g.MAT and 2 <= len(t.links) <= 10]
    want = max(1, round(LA_TRUST_SHARE * sum(t.type_code == g.MAT for t in trusts))) if small else 0
    chosen: list[Group] = []
    seen: set[str] = set()
    for t in rng.sample(small, len(small)):
        if len(chosen) == want:
            break
        if t.home.code in seen:
            continue
        seen.add(t.home.code)
        t.la_established = True
        # LA-established trusts are identified in GIAS only by name.
        t.name = t.plain_name = f"{t.home.name} Local Authority Trust"
        chosen.append(t)
    return chosen


def date_trust(rng: Random, trust: Group, snapshot: date) -> None:
    """Set a live trust's incorporation date and each link's joined date (never before either opened)."""
    opens = [lk.school.open_date or snapshot for lk in trust.links]
    started = [d for d in opens if d <= snapshot] or opens
    earliest = min(started)
    if trust.type_code == g.SAT:
        trust.incorporated = earliest - timedelta(days=rng.randint(10, 120))
    elif (
        not trust.la_established
        and rng.random() < 0.12
        and earliest < snapshot - timedelta(days=400)
    ):
        # A younger trust that took over schools which had opened as academies elsewhere.
        trust.incorporated = rand_date(
            rng, max(earliest, date(2016, 1, 1)), snapshot - timedelta(days=200)
        )
    else:
        trust.incorporated = earliest - timedelta(days=rng.randint(14, 300))
    trust.incorporated = max(trust.incorporated, EARLIEST - timedelta(days=200))
    if trust.incorporated > snapshot:
        # Every school is still to open: the trust already exists, waiting for them.
        trust.incorporated = snapshot - timedelta(days=rng.randint(30, 200))
    inc = trust.incorporated
    for lk, opened in zip(trust.links, opens, strict=True):
        if opened < inc:
            joined = first_of_month(rand_date(rng, inc, min(snapshot, inc + timedelta(days=540))))
            lk.joined = max(joined, inc)
        elif trust.type_code == g.MAT and opened <= snapshot and rng.random() < 0.12:
            lk.joined = max(opened, first_of_month(rand_date(rng, opened, snapshot)))
        else:
            lk.joined = opened


def closed_trusts(
    rng: Random, closed: list[School], open_mats: list[Group], snapshot: date
) -> list[Group]:
    """Give closed academies the trust they were in: an open MAT that outlived them, or a
    trust that closed too (always so for academies moved to a new sponsor)."""
    out: list[Group] = []
    batch: list[School] = []
    by_region: dict[str, list[Group]] = {}
    for mat in open_mats:
        by_region.setdefault(mat.home.region_code, []).append(mat)
    for s in sorted(
        closed, key=lambda s: (s.geo.region_code, s.close_date or snapshot, s.geo.code)
    ):
        assert s.open_date is not None and s.close_date is not None
        nearby = by_region.get(s.geo.region_code, [])
        if s.close_reason == 2 and nearby and rng.random() < 0.5:
            mat = rng.choice(nearby)
            assert mat.incorporated is not None
            joined = max(s.open_date, mat.incorporated)
            if joined < s.close_date:
                s.trust = mat
                mat.link(s, joined)
                continue
        batch.append(s)
        if rng.random() < 0.45 or len(batch) >= 4:
            out.append(_closed_trust(rng, batch, snapshot))
            batch = []
    if batch:
        out.append(_closed_trust(rng, batch, snapshot))
    return out


def _closed_trust(rng: Random, members: list[School], snapshot: date) -> Group:
    first = members[0]
    kind = g.SAT if len(members) == 1 else g.MAT
    name = _trust_name(rng, first) if kind == g.MAT else f"{first.name} Academy Trust"
    trust = _named(rng, kind, name, first.geo, status="CLOSED")
    opened = min(s.open_date or snapshot for s in members)
    closed = max(s.close_date or snapshot for s in members)
    trust.incorporated = opened - timedelta(days=rng.randint(10, 200))
    trust.closed_date = min(
        snapshot - timedelta(days=1), closed + timedelta(days=rng.randint(0, 90))
    )
    for s in members:
        s.trust = trust
        trust.link(s, s.open_date)
    return trust


def federations(rng: Random, maintained: list[School], snapshot: date) -> list[Group]:
    """Group some neighbouring maintained schools (same LA) into federations."""
    by_la: dict[str, list[School]] = {}
    for s in maintained:
        by_la.setdefault(s.geo.code, []).append(s)
    out: list[Group] = []
    for code in sorted(by_la):
        schools = by_la[code]
        rng.shuffle(schools)
        count = round(len(schools) * 0.05 / 2.4 + rng.random() - 0.5)
        for _ in range(max(0, count)):
            size = rng.choices((2, 3, 4), (70, 25, 5))[0]
            if len(schools) < size:
                break
            members = [schools.pop() for _ in range(size)]
            fed = Group(
                g.FEDERATION,
                names.federation_name(rng, members[0].place, members[1].place),
                members[0].geo,
            )
            fed.open_date = rand_date(rng, date(2008, 9, 1), snapshot - timedelta(days=365))
            for s in members:
                s.federation = fed
                joined = max(fed.open_date, s.open_date or fed.open_date)
                fed.link(s, rand_date(rng, joined, snapshot) if rng.random() < 0.2 else joined)
            out.append(fed)
    return out


def sponsors(rng: Random, academies: list[School]) -> list[Group]:
    """School sponsors (not trusts): the trust itself acting as sponsor, or a university,
    college, church body or company; linked to most sponsor-led academies."""
    out: list[Group] = []
    as_sponsor: dict[int, Group] = {}
    regional: dict[str, list[Group]] = {}
    for s in academies:
        if s.type_code not in g.SPONSORED_TYPES or rng.random() >= 0.8:
            continue
        trust = s.trust
        if trust is not None and trust.type_code == g.MAT and rng.random() < 0.7:
            sponsor = as_sponsor.get(id(trust))
            if sponsor is None:
                sponsor = Group(g.SPONSOR, trust.plain_name or trust.name, trust.home)
                as_sponsor[id(trust)] = sponsor
                out.append(sponsor)
        else:
            options = regional.setdefault(s.geo.region_code, [])
            if not options or rng.random() < 0.15:
                sponsor = Group(g.SPONSOR, names.sponsor_name(rng, s.town), s.geo)
                options.append(sponsor)
                out.append(sponsor)
            else:
                sponsor = rng.choice(options)
        s.sponsor = sponsor
        sponsor.link(s, s.open_date)
    for sponsor in out:
        dates = [lk.joined for lk in sponsor.links if lk.joined is not None]
        sponsor.open_date = min(dates) - timedelta(days=rng.randint(30, 400)) if dates else None
    return out


def foundation_trusts(rng: Random, maintained: list[School], snapshot: date) -> list[Group]:
    """Trusts (group type 02) that support some maintained foundation schools: not academy trusts."""
    out: list[Group] = []
    candidates = [s for s in maintained if s.type_code in (5, 12) and rng.random() < 0.3]
    by_la: dict[str, list[School]] = {}
    for s in candidates:
        by_la.setdefault(s.geo.code, []).append(s)
    for code in sorted(by_la):
        schools = by_la[code]
        while schools:
            members = [schools.pop() for _ in range(min(len(schools), rng.randint(1, 5)))]
            first = members[0]
            name = rng.choice(
                (
                    f"{first.place} Co-operative Learning Trust",
                    f"{first.town} Schools Foundation Trust",
                )
            )
            trust = Group(g.TRUST, name, first.geo)
            trust.open_date = rand_date(rng, date(2008, 1, 1), min(snapshot, date(2016, 12, 31)))
            for s in members:
                s.trust = trust
                trust.link(s, max(trust.open_date, s.open_date or trust.open_date))
            out.append(trust)
    return out


def number_groups(rng: Random, groups: list[Group], snapshot: date) -> None:
    """Group UIDs, trust reference numbers and Companies House numbers, rising with age."""

    def started(grp: Group) -> date:
        return grp.incorporated or grp.open_date or snapshot

    uid = 1000
    trn = 0
    used_ch: set[int] = set()
    for grp in sorted(groups, key=started):
        uid += rng.randint(1, 6)
        grp.uid = uid
        if grp.type_code in g.ACADEMY_TRUST_GROUP_TYPES:
            trn += rng.randint(1, 3)
            grp.group_id = f"TR{trn:05d}"
        if grp.type_code in (g.MAT, g.SAT, g.SECURE_SAT, g.TRUST):
            days = (started(grp) - date(2010, 1, 1)).days
            number = max(1_000_000, 7_100_000 + days * 1_540 + rng.randrange(1_500))
            while number in used_ch:
                number += 1
            used_ch.add(number)
            grp.companies_house = f"{number:08d}"
