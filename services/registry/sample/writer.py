"""Write a synthetic world as the four GIAS extracts and the two Ofsted MI files.

Rows are built as ``{column: value}`` and written in the column order of the reference header
lists, so a column GIAS adds later is written empty rather than breaking the writer. Cosmetic
details (heads, phone numbers, websites, wards) come from their own seeded generator, in URN
order, so they never disturb the structure of the world.
"""

from __future__ import annotations

import csv
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from pathlib import Path
from random import Random

from services.registry.sample import gias_format as g
from services.registry.sample import names
from services.registry.sample.geography import gss_code
from services.registry.sample.model import School
from services.registry.sample.schools import diocese_columns

Progress = Callable[[int], None]
Row = dict[str, str]
TICK = 1000


def write_csv(
    path: Path, columns: Sequence[str], rows: Iterable[Row], progress: Progress | None
) -> None:
    """One file the way GIAS writes them: cp1252, CRLF, every field quoted."""
    pending = 0
    with path.open("w", encoding=g.ENCODING, newline="") as f:
        out = csv.writer(f, quoting=csv.QUOTE_ALL, lineterminator=g.LINE_TERMINATOR)
        out.writerow(columns)
        for row in rows:
            out.writerow([row.get(c, "") for c in columns])
            pending += 1
            if progress is not None and pending == TICK:
                progress(pending)
                pending = 0
    if progress is not None and pending:
        progress(pending)


def dmy(d: date | None, sep: str) -> str:
    """``dd-mm-yyyy`` / ``dd/mm/yyyy``, or empty for no date."""
    return "" if d is None else f"{d.day:02d}{sep}{d.month:02d}{sep}{d.year:04d}"


def census_date(snapshot: date) -> date:
    """The January school census before ``snapshot``: the third Thursday of January."""
    year = snapshot.year if snapshot >= _third_thursday(snapshot.year) else snapshot.year - 1
    return _third_thursday(year)


def _third_thursday(year: int) -> date:
    first = date(year, 1, 1)
    return date(year, 1, 1 + (3 - first.weekday()) % 7 + 14)


def _slug(name: str) -> str:
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    words = [
        w
        for w in "".join(c if c.isalnum() else " " for c in folded).split()
        if w not in ("the", "of")
    ]
    return "".join(words[:3])


class EstablishmentRows:
    """Builds edubasealldata rows; holds the cosmetic random source."""

    def __init__(self, rng: Random, snapshot: date) -> None:
        self.rng = rng
        self.snapshot = snapshot
        self.census = census_date(snapshot)

    def row(self, s: School) -> Row:
        """All columns of one establishment."""
        rng = self.rng
        d = "-"
        type_name, group_code, group_name = g.TYPES[s.type_code]
        on_roll = s.status in (g.OPEN, g.PROPOSED_TO_CLOSE) and s.pupils is not None
        on_roll = on_roll and (s.open_date is None or s.open_date <= self.census)
        pupils = s.pupils if on_roll else None
        boys = girls = ""
        if pupils is not None:
            share = {1: 1.0, 2: 0.0}.get(s.gender, rng.uniform(0.46, 0.56))
            boys, girls = str(round(pupils * share)), str(pupils - round(pupils * share))
        trust, sponsor, fed = s.trust, s.sponsor, s.federation
        if trust is None:
            flag = 2 if s.type_code in (5, 12) else 0
        else:
            flag = {g.MAT: 3, g.SAT: 5, g.TRUST: 1}.get(trust.type_code, 0)
        diocese_code, diocese_name = diocese_columns(s)
        title, first, last = names.person(rng)
        closed = s.status == g.CLOSED
        has_head = not closed or rng.random() < 0.4
        special = s.category == "special"
        row: Row = {
            "URN": str(s.urn),
            "LA (code)": s.geo.code,
            "LA (name)": s.geo.name,
            "EstablishmentNumber": str(s.estab_no),
            "EstablishmentName": s.name,
            "TypeOfEstablishment (code)": str(s.type_code),
            "TypeOfEstablishment (name)": type_name,
            "EstablishmentTypeGroup (code)": str(group_code),
            "EstablishmentTypeGroup (name)": group_name,
            "EstablishmentStatus (code)": str(s.status),
            "EstablishmentStatus (name)": g.STATUSES[s.status],
            "ReasonEstablishmentOpened (code)": str(s.open_reason),
            "ReasonEstablishmentOpened (name)": g.OPENED_REASONS[s.open_reason],
            "OpenDate": dmy(s.open_date, d),
            "ReasonEstablishmentClosed (code)": str(s.close_reason),
            "ReasonEstablishmentClosed (name)": g.CLOSED_REASONS[s.close_reason],
            "CloseDate": dmy(s.close_date, d),
            "PhaseOfEducation (code)": str(s.phase),
            "PhaseOfEducation (name)": g.PHASES[s.phase],
            "StatutoryLowAge": str(s.low_age),
            "StatutoryHighAge": str(s.high_age),
            "Boarders (code)": "1",
            "Boarders (name)": g.BOARDERS[1],
            "NurseryProvision (name)": "Has Nursery Classes"
            if s.nursery_classes
            else "No Nursery Classes",
            "OfficialSixthForm (code)": "1" if s.sixth_form else "2",
            "OfficialSixthForm (name)": g.SIXTH_FORMS[1 if s.sixth_form else 2],
            "Gender (code)": str(s.gender),
            "Gender (name)": g.GENDERS[s.gender],
            "ReligiousCharacter (code)": str(s.religion),
            "ReligiousCharacter (name)": g.RELIGIONS[s.religion],
            "ReligiousEthos (name)": g.RELIGIONS[s.religion] if s.religion else "Does not apply",
            "Diocese (code)": diocese_code,
            "Diocese (name)": diocese_name,
            "AdmissionsPolicy (code)": str(s.admissions),
            "AdmissionsPolicy (name)": g.ADMISSIONS[s.admissions],
            "SchoolCapacity": "" if s.capacity is None else str(s.capacity),
            "SpecialClasses (code)": "1" if special else "2",
            "SpecialClasses (name)": g.SPECIAL_CLASSES[1 if special else 2],
            "CensusDate": dmy(self.census, d) if pupils is not None else "",
            "NumberOfPupils": "" if pupils is None else str(pupils),
            "NumberOfBoys": boys,
            "NumberOfGirls": girls,
            "PercentageFSM": "" if pupils is None or s.fsm_pct is None else f"{s.fsm_pct:.1f}",
            "TrustSchoolFlag (code)": str(flag),
            "TrustSchoolFlag (name)": g.TRUST_FLAGS[flag],
            "Trusts (code)": "" if trust is None else str(trust.uid),
            "Trusts (name)": "" if trust is None else trust.name,
            "SchoolSponsorFlag (name)": "Linked to a sponsor" if sponsor else "Not applicable",
            "SchoolSponsors (name)": sponsor.name if sponsor else "",
            "FederationFlag (name)": "Supported by a federation" if fed else "Not applicable",
            "Federations (code)": str(fed.uid) if fed else "",
            "Federations (name)": fed.name if fed else "",
            "UKPRN": s.ukprn,
            "FEHEIdentifier": "",
            "FurtherEducationType (name)": "Not applicable",
            "LastChangedDate": dmy(self._last_changed(s), d),
            "HeadTitle (name)": title if has_head else "",
            "HeadFirstName": first if has_head else "",
            "HeadLastName": last if has_head else "",
            "HeadPreferredJobTitle": self._job_title(s) if has_head else "",
            "BSOInspectorateName (name)": "Not applicable",
            "InspectorateReport": "",
            "DateOfLastInspectionVisit": "",
            "NextInspectionVisit": "",
            "TeenMoth (name)": "Not applicable",
            "TeenMothPlaces": "",
            "CCF (name)": "Not applicable",
            "SENPRU (name)": "Not applicable",
            "EBD (name)": "Not applicable",
            "PlacesPRU": str(s.capacity) if s.type_code == 14 and s.capacity else "",
            "FTProv (name)": "",
            "EdByOther (name)": "Not applicable",
            "Section41Approved (name)": "Not applicable",
            "InspectorateName (name)": "",
            "BoardingEstablishment (name)": "",
            "PropsName": "",
            "PreviousLA (code)": "999",
            "PreviousLA (name)": "Not applicable",
            "PreviousEstablishmentNumber": "",
            "Country (name)": "",
            "SiteName": "",
            "QABName (code)": "0",
            "QABName (name)": "Not applicable",
            "EstablishmentAccredited (code)": "0",
            "EstablishmentAccredited (name)": "Not applicable",
            "QABReport": "",
            "CHNumber": "",
            "FSM": ""
            if pupils is None or s.fsm_pct is None
            else str(round(pupils * s.fsm_pct / 100)),
            "AccreditationExpiryDate": "",
        }
        row.update(self._contact(s))
        row.update(self._sen(s, pupils))
        row.update(self._area(s))
        return row

    def _last_changed(self, s: School) -> date:
        lo = max(d for d in (s.open_date, s.close_date, date(2015, 1, 1)) if d is not None)
        lo = min(lo, self.snapshot)
        days = (self.snapshot - lo).days
        return (
            self.snapshot
            if days <= 0
            else date.fromordinal(lo.toordinal() + self.rng.randrange(days + 1))
        )

    def _job_title(self, s: School) -> str:
        r = self.rng.random()
        if r < 0.05:
            return "Executive Headteacher"
        if r < 0.1:
            return "Head of School"
        if s.type_code in g.ACADEMY_TYPES and r < 0.35:
            return "Principal"
        return "Headteacher"

    def _contact(self, s: School) -> Row:
        rng = self.rng
        london = s.geo.region_code == "H"
        has_web = s.live and rng.random() < 0.7
        tld = rng.choice(("sch.uk", "org.uk", "co.uk", "com"))
        phone = (
            ("020" + f"{rng.randrange(10**8):08d}")
            if london
            else ("01" + f"{rng.randrange(10**9):09d}")
        )
        locality = names.place(rng) if rng.random() < 0.45 else ""
        return {
            "Street": names.street(rng),
            "Locality": locality,
            "Address3": "",
            "Town": s.town,
            "County (name)": s.geo.county,
            "Postcode": s.postcode,
            "SchoolWebsite": f"www.{_slug(s.name)}.{tld}" if has_web else "",
            "TelephoneNum": phone if s.live and rng.random() < 0.8 else "",
            "UPRN": str(rng.randrange(10_000_000, 100_099_999_999)) if rng.random() < 0.75 else "",
        }

    def _sen(self, s: School, pupils: int | None) -> Row:
        rng = self.rng
        row: Row = {f"SEN{i} (name)": "" for i in range(1, 14)}
        row.update(
            {
                "TypeOfResourcedProvision (name)": "Not applicable",
                "ResourcedProvisionOnRoll": "",
                "ResourcedProvisionCapacity": "",
                "SenUnitOnRoll": "",
                "SenUnitCapacity": "",
                "SENStat": "",
                "SENNoStat": "",
            }
        )
        kinds: list[str] = []
        if s.category == "special":
            kinds = rng.sample(g.SEN_TYPES, rng.randint(1, 3))
            if pupils is not None:
                row["SENStat"] = str(round(pupils * rng.uniform(0.9, 1.0)))
                row["SENNoStat"] = str(rng.randint(0, 5))
        elif s.live and s.category in ("primary", "secondary") and rng.random() < 0.08:
            kinds = [rng.choice(g.SEN_TYPES)]
            provision = rng.choice(
                ("Resourced provision", "SEN unit", "Resourced provision and SEN unit")
            )
            row["TypeOfResourcedProvision (name)"] = provision
            places = rng.randint(8, 30)
            taken = str(rng.randint(places // 2, places))
            if "Resourced" in provision:
                row["ResourcedProvisionCapacity"], row["ResourcedProvisionOnRoll"] = (
                    str(places),
                    taken,
                )
            if "SEN unit" in provision:
                row["SenUnitCapacity"], row["SenUnitOnRoll"] = str(places), taken
        for i, kind in enumerate(kinds, start=1):
            row[f"SEN{i} (name)"] = kind
        return row

    def _area(self, s: School) -> Row:
        rng = self.rng
        geo, district = s.geo, s.district
        ward = rng.choice(names.WARDS)
        if rng.random() < 0.3:
            ward = f"{s.town} {ward}"
        if s.town in (geo.name, "London") or len(geo.towns) == 1:
            seat = f"{geo.name} {rng.choice(('North', 'South', 'East', 'West', 'Central'))}"
        else:
            seat = s.town
        msoa = rng.randint(1, 45)
        lsoa_letter = rng.choice("ABCDE")
        msoa_name = f"{district.name} {msoa:03d}"
        return {
            "GOR (code)": geo.region_code,
            "GOR (name)": geo.region_name,
            "DistrictAdministrative (code)": district.gss,
            "DistrictAdministrative (name)": district.name,
            "AdministrativeWard (code)": gss_code("E05", f"{district.name}/{ward}"),
            "AdministrativeWard (name)": ward,
            "ParliamentaryConstituency (code)": gss_code("E14", seat),
            "ParliamentaryConstituency (name)": seat,
            "UrbanRural (code)": s.urban,
            "UrbanRural (name)": g.URBAN_RURAL[s.urban],
            "GSSLACode (name)": geo.gss,
            "Easting": str(s.easting),
            "Northing": str(s.northing),
            "MSOA (name)": msoa_name,
            "LSOA (name)": f"{msoa_name}{lsoa_letter}",
            "MSOA (code)": f"E02{district.index * 100 + msoa:06d}",
            "LSOA (code)": f"E01{(district.index * 100 + msoa) * 5 + 'ABCDE'.index(lsoa_letter):06d}",
        }
