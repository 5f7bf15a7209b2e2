"""Rows of the sample's other files: groups, group links, predecessor links, Ofsted MI.

``writer`` writes them; establishments' rows, the largest, are ``writer.EstablishmentRows``.
"""

from __future__ import annotations

from random import Random

from services.registry.sample import gias_format as g
from services.registry.sample import names
from services.registry.sample import ofsted_format as of
from services.registry.sample.model import Group, Inspection, School
from services.registry.sample.schools import postcode
from services.registry.sample.writer import Row, dmy


def group_row(grp: Group, rng: Random) -> Row:
    """One allgroupsdata row (dates ``dd/mm/yyyy``)."""
    d = "/"
    title, first, last = names.person(rng) if grp.type_code != g.SPONSOR else ("", "", "")
    live = grp.status != "CLOSED"
    return {
        **_group_columns(grp),
        "Group Street": names.street(rng) if live else "",
        "Group Locality": "",
        "Group Address 3": "",
        "Group Town": rng.choice(grp.home.towns),
        "Group County": grp.home.county,
        "Group Postcode": postcode(rng, grp.home),
        "Head of Group Title": title if live else "",
        "Head of Group First Name": first if live else "",
        "Head of Group Last Name": last if live else "",
        "UKPRN": grp.ukprn,
        "Closed Date": dmy(grp.closed_date, d),
    }


def _group_columns(grp: Group) -> Row:
    d = "/"
    return {
        "Group UID": str(grp.uid),
        "Group ID": grp.group_id,
        "Group Name": grp.name,
        "Companies House Number": grp.companies_house,
        "Group Type (code)": grp.type_code,
        "Group Type": g.GROUP_TYPES[grp.type_code],
        "Closed Date": dmy(grp.closed_date, d),
        "Open date": dmy(grp.open_date, d),
        "Incorporated on (open date)": dmy(grp.incorporated, d),
        "Group Status (code)": grp.status,
        "Group Status": g.GROUP_STATUSES[grp.status],
    }


def link_rows(groups: list[Group]) -> list[Row]:
    """alllinksdata: one row per establishment–group link, by URN then Group UID."""
    rows = []
    for grp in groups:
        columns = _group_columns(grp)
        for lk in grp.links:
            s = lk.school
            rows.append(
                (
                    s.urn,
                    grp.uid,
                    {
                        "URN": str(s.urn),
                        **columns,
                        "Joined date": dmy(lk.joined, "/"),
                        "EstablishmentName": s.name,
                        "TypeOfEstablishment (code)": str(s.type_code),
                        "TypeOfEstablishment (name)": g.TYPES[s.type_code][0],
                        "PhaseOfEducation (code)": str(s.phase),
                        "PhaseOfEducation (name)": g.PHASES[s.phase],
                        "LA (code)": s.geo.code,
                        "LA (name)": s.geo.name,
                    },
                )
            )
    rows.sort(key=lambda r: (r[0], r[1]))
    return [r[2] for r in rows]


def succession_rows(schools: list[School]) -> list[Row]:
    """links_edubasealldata: each predecessor/successor pair written both ways, as GIAS does."""
    rows = []
    for new in schools:
        for old in new.predecessors:
            when = dmy(old.close_date, "-")
            rows.append((old.urn, new.urn, new.name, g.LINK_SUCCESSOR, when))
            rows.append((new.urn, old.urn, old.name, g.LINK_PREDECESSOR, when))
    rows.sort()
    return [
        {
            "URN": str(a),
            "LinkURN": str(b),
            "LinkName": name,
            "LinkType": kind,
            "LinkEstablishedDate": when,
        }
        for a, b, name, kind, when in rows
    ]


def ofsted_row(i: Inspection) -> Row:
    """One Ofsted MI row in the inspection's own format (dates ``dd/mm/yyyy``)."""
    s = i.school
    phase = {
        "primary": "Primary",
        "middle_p": "Primary",
        "special": "Special",
        "ap": "PRU",
        "nursery": "Nursery",
    }.get(s.category, "Secondary")
    row: Row = {
        "URN": str(s.urn),
        "LAESTAB": f"{s.geo.code}{s.estab_no:04d}",
        "School name": s.name,
        "Ofsted phase": phase,
        "Type of education": g.TYPES[s.type_code][0],
        "Local authority": s.geo.name,
        "Ofsted region": of.OFSTED_REGIONS[s.geo.region_name],
        "Inspection number": i.number,
        "Inspection type": i.inspection_type,
        "Inspection start date": dmy(i.start, "/"),
        "Inspection end date": dmy(i.end, "/"),
        "Publication date": dmy(i.published, "/"),
        **i.grades,
    }
    if i.report_card:
        row[of.SAFEGUARDING_COLUMN] = i.safeguarding
    else:
        row[of.OVERALL_EFFECTIVENESS_COLUMN] = i.overall
        row[of.CATEGORY_OF_CONCERN_COLUMN] = i.concern
        row[of.SAFEGUARDING_EFFECTIVE_COLUMN] = i.safeguarding
    return row
