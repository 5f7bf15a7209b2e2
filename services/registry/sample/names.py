"""Word lists and builders for plausible English school, trust and people names.

Every string here must encode in Windows-1252; several deliberately carry the characters that
real GIAS names do (’ é ë – â á) so that importers meet them in tests.
"""

from __future__ import annotations

from random import Random

PREFIXES = (
    "Ash", "Oak", "Elm", "Beech", "Birch", "Brook", "Church", "Hill", "Mill", "Kings", "Queens",
    "North", "South", "East", "West", "Long", "Green", "Broad", "High", "Moor", "Marsh", "Fair",
    "Whit", "Red", "Black", "Stone", "Thorn", "Holly", "Hazel", "Willow", "Rose", "Cherry",
    "Cross", "Bridge", "Wood", "Lark", "Swan", "Fox", "Hart", "Bram", "Hawth", "Meadow",
    "Sand", "Clay", "Castle", "Park", "Ridge", "Bourne", "Wey", "Over",
)  # fmt: skip
SUFFIXES = (
    "field", "wood", "ley", "ton", "bury", "ford", "dale", "gate", "lands", "mead", "hurst",
    "side", "croft", "well", "combe", "brook", "holme", "thorpe", "by", "worth", "stead",
    "ham", "more", "hill", "lea", "bridge", "wick", "fields",
)  # fmt: skip
# Names that carry Windows-1252 characters beyond ASCII, used now and then.
ACCENTED_PLACES = (
    "Brontë", "Noël Park", "Beaulieu", "Chloë Gardens", "Renée Court", "Thérèse", "Belle Vue",
    "Café Lane", "Montrésor",
)  # fmt: skip
SAINTS = (
    "Mary", "John", "Peter", "Paul", "Michael", "George", "Andrew", "Anne", "Joseph", "Patrick",
    "Thomas", "Margaret", "Luke", "Mark", "Matthew", "James", "Bede", "Cuthbert", "Chad",
    "Hilda", "Aidan", "Wilfrid", "Edmund", "Alban", "Augustine", "Bernadette", "Teresa",
    "Helen", "Stephen", "Nicholas", "Oswald", "Barnabas", "Bartholomew", "Laurence",
)  # fmt: skip
MARIAN = ("Our Lady of Lourdes", "Our Lady Queen of Peace", "Our Lady and St Thérèse",
          "Holy Family", "Sacred Heart", "Corpus Christi", "Holy Cross", "English Martyrs")  # fmt: skip
STREETS = ("Road", "Street", "Lane", "Avenue", "Close", "Way", "Drive", "Grove", "Crescent",
           "Gardens", "Walk", "Terrace", "Rise", "Hill")  # fmt: skip
STREET_WORDS = ("Station", "Church", "School", "Mill", "Park", "Victoria", "Albert", "Queen’s",
                "King’s", "Manor", "Chapel", "Green", "Bridge", "Castle", "Vicarage", "Orchard",
                "Priory", "Bishop’s", "Windmill", "Forest", "Market", "Garden")  # fmt: skip
WARDS = ("Abbey", "Castle", "Central", "Park", "Riverside", "St Mary’s", "Northfield", "Southgate",
         "Westfield", "Eastbrook", "Hillside", "Valley", "Cathedral", "Harbour", "Marsh", "Priory",
         "Town", "Rural North", "Rural South", "Moorside")  # fmt: skip
FEMALE_NAMES = (
    "Sarah", "Helen", "Claire", "Emma", "Rachel", "Joanne", "Catherine", "Louise", "Rebecca",
    "Nicola", "Karen", "Amanda", "Elizabeth", "Zoë", "Chloë", "Renée", "Siân", "Niamh",
    "Aoife", "Priya", "Fatima", "Ayesha", "Hélène",
)  # fmt: skip
MALE_NAMES = (
    "David", "Paul", "Mark", "Andrew", "James", "Richard", "Stephen", "Michael", "Simon",
    "Peter", "Jonathan", "Matthew", "Christopher", "Daniel", "Seán", "José", "Mohammed",
    "Imran", "Rajesh", "Kwame", "Olusegun", "Gareth", "Rhys",
)  # fmt: skip
LAST_NAMES = (
    "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Robinson",
    "Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Wood",
    "Jackson", "Clarke", "Patel", "Khan", "Hughes", "Edwards", "Turner", "Hill", "Moore",
    "Harris", "Martin", "Cooper", "Ward", "Morris", "O’Brien", "O’Neill", "McCarthy", "Brontë",
    "Lefèvre", "Ahmed", "Begum", "Okafor", "Mensah", "Singh", "Kaur", "Nowak", "Kowalski",
)  # fmt: skip
FEMALE_TITLES, FEMALE_TITLE_WEIGHTS = ("Mrs", "Ms", "Miss", "Dr"), (50, 32, 12, 6)
MALE_TITLES, MALE_TITLE_WEIGHTS = ("Mr", "Dr"), (93, 7)
TRUST_NOUNS = ("Learning", "Education", "Academy", "Schools", "Community", "Learning Partnership",
               "Multi Academy", "Collaborative", "Co-operative")  # fmt: skip
TRUST_WORDS = ("Trust", "Trust", "Trust", "Partnership", "Foundation", "Alliance", "Family")
TRUST_VALUES = ("Aspire", "Endeavour", "Horizon", "Inspire", "Unity", "Pathfinder", "Compass",
                "Summit", "Lighthouse", "Evolve", "Together", "Keystone", "Beacon", "Spring",
                "Harmony", "Kite", "Acorn", "Anchor", "Ascent", "Bridge", "Meridian", "Northern",
                "Southern", "Eastern", "Western", "Heritage", "Voyager", "Cedar", "Orbit")  # fmt: skip
SPONSOR_KINDS = ("University of {town}", "{town} College", "{town} Cathedral Schools Company",
                 "{value} Education Ltd", "The {value} Foundation", "{town} Rotary Education Trust")  # fmt: skip


def place(rng: Random) -> str:
    """A made-up English place name, now and then one with an accent."""
    if rng.random() < 0.02:
        return rng.choice(ACCENTED_PLACES)
    return rng.choice(PREFIXES) + rng.choice(SUFFIXES)


def saint(rng: Random) -> str:
    """``St Mary’s`` style, with the typographic apostrophe GIAS names often carry."""
    apostrophe = "’" if rng.random() < 0.6 else "'"
    return f"St {rng.choice(SAINTS)}{apostrophe}s"


def person(rng: Random) -> tuple[str, str, str]:
    """(title, first name, last name)."""
    if rng.random() < 0.65:
        title = rng.choices(FEMALE_TITLES, FEMALE_TITLE_WEIGHTS)[0]
        return title, rng.choice(FEMALE_NAMES), rng.choice(LAST_NAMES)
    title = rng.choices(MALE_TITLES, MALE_TITLE_WEIGHTS)[0]
    return title, rng.choice(MALE_NAMES), rng.choice(LAST_NAMES)


def street(rng: Random) -> str:
    """A street line such as ``Church Lane`` or ``Kingsfield Road``."""
    first = rng.choice(STREET_WORDS) if rng.random() < 0.6 else place(rng)
    return f"{first} {rng.choice(STREETS)}"


def trust_name(rng: Random, town: str, faith: str | None, diocese: str) -> str:
    """A plausible academy-trust name; faith trusts sound like their church's."""
    if faith == "RC":
        return rng.choice(
            (
                f"{rng.choice(MARIAN)} Catholic Multi Academy Company",
                f"{saint(rng)} Catholic Academy Trust",
                f"Bishop {rng.choice(LAST_NAMES)} Catholic Collegiate",
                f"{diocese} Catholic Education Trust",
            )
        )
    if faith == "CE":
        return rng.choice(
            (
                f"{diocese} Diocesan Academies Trust",
                f"The {diocese} Church of England Multi Academy Trust",
                f"{saint(rng)} C of E Learning Trust",
                f"{town} Anglican Schools Partnership",
            )
        )
    shape = rng.random()
    if shape < 0.35:
        return f"{town} {rng.choice(TRUST_NOUNS)} {rng.choice(TRUST_WORDS)}"
    if shape < 0.7:
        return f"{rng.choice(TRUST_VALUES)} {rng.choice(TRUST_NOUNS)} {rng.choice(TRUST_WORDS)}"
    if shape < 0.85:
        return f"The {place(rng)} {rng.choice(TRUST_NOUNS)} {rng.choice(TRUST_WORDS)}"
    return f"{rng.choice(TRUST_VALUES)} – {town} {rng.choice(TRUST_WORDS)}"


def sponsor_name(rng: Random, town: str) -> str:
    """A sponsor that is not itself an academy trust: a university, college, company, charity."""
    return rng.choice(SPONSOR_KINDS).format(town=town, value=rng.choice(TRUST_VALUES))


def federation_name(rng: Random, first: str, second: str) -> str:
    """A federation of maintained schools, named after its members or a place."""
    if rng.random() < 0.5:
        return f"The {first} and {second} Federation"
    return f"The {place(rng)} Federation"
