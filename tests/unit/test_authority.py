"""Who may act where, pure: scopes and places, the table's checks, authorize, delegations,
referrals, and claims mapped by configuration. No database, no HTTP."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from pydantic import ValidationError

from shared.authority.claims import ClaimError, ClaimMap, roles_and_scope
from shared.authority.principal import Principal
from shared.authority.roles import Role
from shared.authority.rules import (
    Delegation,
    DelegationRefused,
    OutOfScope,
    Referral,
    ReferredElsewhere,
    RoleRefused,
    StepNotInTable,
    TableVersion,
    authorize,
    check_edge,
    delegation_refusal,
)
from shared.authority.scope import (
    ANYWHERE,
    NO_SCOPE,
    Place,
    Scope,
    ScopeClaimError,
    parse_scopes,
    place_of_schools,
)
from shared.authority.table import AUTHORITY_KIND, AuthorityTable, table_problems
from shared.errors import Forbidden
from shared.settings import Settings
from tests.authority import table

DECIDE = "commissioning.cases.decide"
TODAY = date(2026, 12, 7)
LEEDS = Place(region="D", las=frozenset({"383"}))
TABLE = table(
    {"step": DECIDE, "roles": ["decision_maker"], "scope": "resource", "delegable": True,
     "referral": "moves"},
    {"step": DECIDE, "roles": ["decision_maker"], "scope": "resource", "delegable": True,
     "referral": "moves", "when": {"outcome": ["dao_revoked"]}, "summary": "a minister's"},
    {"step": "commissioning.cases.read", "roles": ["reader"], "scope": "resource",
     "referral": "adds"},
    {"step": "registry.imports.gias", "roles": ["data_feed"], "scope": "national"},
    {"step": "registry.register.read", "roles": list(Role), "scope": "any"},
)  # fmt: skip


def who(*roles: Role, subject: str = "dina", scopes: tuple[str, ...] = ("region:D",)) -> Principal:
    return Principal(subject=subject, roles=frozenset(roles), scope=parse_scopes(scopes))


DINA = who(Role.DECISION_MAKER)


def decide(principal: Principal, place: Place = LEEDS, **kw: Any) -> Any:
    return authorize(principal, TABLE, 1, DECIDE, place, on=TODAY, **kw)


# ------------------------------------------------------------------- scopes and places


def test_a_scope_covers_its_region_and_the_places_all_of_whose_las_it_names() -> None:
    assert Scope(national=True).covers(Place())
    assert parse_scopes(["region:D"]).covers(LEEDS)
    assert not parse_scopes(["region:H"]).covers(LEEDS)
    assert parse_scopes(["la:383"]).covers(LEEDS)
    two_las = Place(region="D", las=frozenset({"383", "384"}))
    assert not parse_scopes(["la:383"]).covers(two_las)
    assert parse_scopes(["la:383", "la:384"]).covers(two_las)
    # Nowhere known: national alone. Anywhere (a new thing in no region): any scope.
    assert not parse_scopes(["region:D", "la:383"]).covers(Place())
    assert parse_scopes(["la:202"]).covers(ANYWHERE)
    assert not NO_SCOPE.covers(ANYWHERE)


@pytest.mark.parametrize(
    "label", ["region:Z", "region:h", "la:999", "la:38", "national:yes", "", "REGION:H"]
)
def test_a_bad_scope_label_is_refused_by_name(label: str) -> None:
    with pytest.raises(ScopeClaimError, match=repr(label)):
        parse_scopes([label])


def test_labels_read_back_as_the_scope_they_came_from() -> None:
    scope = parse_scopes(["la:383", "national", "region:H"])
    assert scope.labels() == ["national", "region:H", "la:383"]
    assert parse_scopes(scope.labels()) == scope


def test_a_trust_is_where_most_of_its_schools_are_and_ties_go_to_the_first_code() -> None:
    assert place_of_schools([("D", "383"), ("D", "384"), ("H", "202")]) == Place(
        region="D", las=frozenset({"383", "384", "202"})
    )
    assert place_of_schools([("H", "202"), ("D", "383")]).region == "D"
    assert place_of_schools([]) == Place()
    assert Place.of_la("202") == Place(region="H", las=frozenset({"202"}))


# ------------------------------------------------------------------- the table


def test_a_table_with_every_kind_of_mistake_says_each() -> None:
    bad = table(
        {"step": "a.b", "roles": ["reader", "reader"], "scope": "any"},
        {"step": "a.b", "roles": ["reader"], "scope": "any"},
        {"step": "a.c", "roles": ["admin"], "scope": "national", "delegable": True},
        {"step": "a.d", "roles": ["reader"], "scope": "resource", "when": {"x": ["1"]}},
        {"step": "a.e", "roles": ["reader"], "scope": "resource"},
        {"step": "a.e", "roles": ["reader"], "scope": "resource", "when": {"x": ["1", "2"]}},
        {"step": "a.e", "roles": ["reader"], "scope": "resource", "when": {"x": ["2"]}},
        {"step": "a.e", "roles": ["reader"], "scope": "national", "when": {"y": ["3"]}},
    )
    problems = table_problems(bad)
    assert "step a.b has two rows for the same conditions" in problems
    assert "step a.b names a role twice" in problems
    assert any("a.c: only a step on a resource" in p for p in problems)
    assert "step a.d has no row without conditions" in problems
    assert "step a.e: two narrower rows can both apply" in problems
    assert "step a.e: a narrower row changes where the step may be taken" in problems
    assert "step a.e: its narrower rows name different facts" in problems
    assert table_problems(TABLE) == []


def test_the_shipped_example_is_a_valid_table() -> None:
    assert AUTHORITY_KIND.example is not None
    example = AuthorityTable.model_validate(AUTHORITY_KIND.example)
    assert table_problems(example) == []


def test_facts_narrow_a_step_to_its_narrower_row() -> None:
    assert TABLE.rule_for(DECIDE, {"outcome": "dao_revoked"}).summary == "a minister's"  # type: ignore[union-attr]
    assert TABLE.rule_for(DECIDE, {"outcome": "approved"}) == TABLE.base(DECIDE)
    assert TABLE.rule_for("no.such.step") is None


# ------------------------------------------------------------------- authorize


def test_the_edge_settles_national_and_scope_free_steps_and_refuses_roles() -> None:
    feed = who(Role.DATA_FEED, scopes=("national",))
    assert check_edge(feed, TABLE, 1, "registry.imports.gias")[1] is not None
    with pytest.raises(OutOfScope) as regional:
        check_edge(who(Role.DATA_FEED), TABLE, 1, "registry.imports.gias")
    assert regional.value.extra["your_scopes"] == ["region:D"]
    nowhere = who(Role.READER, scopes=())
    assert check_edge(nowhere, TABLE, 1, "registry.register.read")[1] is not None
    # A resource's step waits for its place.
    assert check_edge(DINA, TABLE, 1, DECIDE)[1] is None
    with pytest.raises(RoleRefused) as refused:
        check_edge(who(Role.ADMIN), TABLE, 1, DECIDE)
    assert refused.value.type_uri == Forbidden.type_uri
    assert refused.value.extra["required_roles"] == ["decision_maker"]
    with pytest.raises(StepNotInTable):
        check_edge(DINA, TABLE, 1, "no.such.step")


def test_a_decision_where_you_act_is_yours_and_elsewhere_is_refused_naming_both() -> None:
    grant = decide(DINA)
    assert (grant.via, grant.place, grant.table_version) == ("role", "region:D", 1)
    with pytest.raises(OutOfScope) as refused:
        decide(who(Role.DECISION_MAKER, scopes=("region:B",)))
    assert refused.value.extra["resource_region"] == "D"
    assert refused.value.extra["your_scopes"] == ["region:B"]
    assert "region D (Yorkshire and the Humber)" in refused.value.detail
    # The narrower row for the outcome is the one checked once the facts are known.
    with pytest.raises(RoleRefused):
        authorize(
            who(Role.CASEWORKER),
            TABLE,
            1,
            DECIDE,
            LEEDS,
            on=TODAY,
            facts={"outcome": "dao_revoked"},
        )


REFERRED = Referral("rd.east", "another_regional_director", "G", "conflict_of_interest", TODAY)


def test_a_referred_case_is_decided_by_its_referee_alone() -> None:
    referee = who(Role.DECISION_MAKER, subject="rd.east", scopes=("region:G",))
    assert decide(referee, referral=REFERRED).via == "referral"
    with pytest.raises(ReferredElsewhere) as home:
        decide(DINA, referral=REFERRED)
    assert home.value.extra["referred_to"] == "rd.east"
    with pytest.raises(ReferredElsewhere):
        decide(who(Role.DECISION_MAKER, scopes=("national",)), referral=REFERRED)
    # The referee still needs the role the table names.
    with pytest.raises(RoleRefused):
        decide(who(Role.READER, subject="rd.east"), referral=REFERRED)


def test_a_referral_adds_its_referee_to_readers_without_taking_anyone_away() -> None:
    def read(p: Principal) -> Any:
        return authorize(
            p, TABLE, 1, "commissioning.cases.read", LEEDS, on=TODAY, referral=REFERRED
        )

    assert read(who(Role.READER)).via == "role"
    assert read(who(Role.READER, subject="rd.east", scopes=("region:G",))).via == "referral"
    with pytest.raises(OutOfScope):
        read(who(Role.READER, subject="someone", scopes=("region:G",)))


def delegation(**changes: Any) -> Delegation:
    fields: dict[str, Any] = {
        "delegation_id": "d" * 32,
        "step": DECIDE,
        "region": "D",
        "delegate": "deputy",
        "grantor": "dina",
        "grantor_roles": frozenset({"decision_maker"}),
        "grantor_scope": parse_scopes(["region:D"]),
        "starts_on": date(2026, 12, 1),
        "ends_on": date(2026, 12, 31),
        **changes,
    }
    return Delegation(**fields)


DEPUTY = who(Role.DECISION_MAKER, subject="deputy", scopes=("region:B",))


def test_a_delegate_decides_in_the_region_only_while_the_delegation_stands() -> None:
    grant = decide(DEPUTY, delegations=[delegation()])
    assert grant.via == "delegation" and grant.delegation == delegation()
    refused = [
        delegation(revoked_on=TODAY),  # revoked today: not today
        delegation(ends_on=date(2026, 12, 6)),  # over
        delegation(starts_on=date(2026, 12, 8)),  # not yet
        delegation(region="H"),  # another region
        delegation(delegate="someone-else"),
        delegation(step="commissioning.cases.refer"),
        # Its grantor no longer holds the step there (as recorded): it falls with them.
        delegation(grantor_roles=frozenset({"caseworker"})),
        delegation(grantor_scope=parse_scopes(["region:H"])),
    ]
    for d in refused:
        with pytest.raises(OutOfScope):
            decide(DEPUTY, delegations=[d])
    assert (
        decide(DEPUTY, delegations=[delegation(revoked_on=date(2026, 12, 8))]).via == "delegation"
    )
    # A delegation does not make a decision maker of someone without the role.
    with pytest.raises(RoleRefused):
        decide(who(Role.CASEWORKER, subject="deputy"), delegations=[delegation()])


# ------------------------------------------------------------------- granting


V1 = TableVersion(1, date(2020, 1, 1), TABLE)


def grant(versions: list[TableVersion] | None = None, **changes: Any) -> None:
    fields: dict[str, Any] = {
        "step": DECIDE,
        "region": "D",
        "delegate": "deputy",
        "starts_on": TODAY,
        "ends_on": date(2027, 1, 31),
        "today": TODAY,
        **changes,
    }
    grantor = fields.pop("grantor", DINA)
    delegation_refusal(grantor, versions or [V1], **fields)


def test_a_regional_director_delegates_what_they_hold_there_for_a_period() -> None:
    grant()
    with pytest.raises(DelegationRefused, match="someone else"):
        grant(delegate="dina")
    with pytest.raises(DelegationRefused, match="starts today or later"):
        grant(starts_on=date(2026, 12, 1))
    with pytest.raises(DelegationRefused, match="before it starts"):
        grant(ends_on=date(2026, 12, 6))
    with pytest.raises(DelegationRefused, match="cannot be delegated"):
        grant(step="commissioning.cases.read")
    with pytest.raises(StepNotInTable):
        grant(step="no.such.step")
    with pytest.raises(OutOfScope):
        grant(region="H")
    with pytest.raises(OutOfScope):
        grant(grantor=who(Role.CASEWORKER))


def test_a_delegation_that_outlives_its_grantors_authority_is_refused() -> None:
    # From 1 January deciding a case is the minister's office's alone (a national scope).
    stricter = table(
        {"step": DECIDE, "roles": ["decision_maker"], "scope": "national"},
    )
    later = TableVersion(2, date(2027, 1, 1), stricter)
    with pytest.raises(DelegationRefused) as refused:
        grant([V1, later])
    assert refused.value.extra["authority_ends_on"] == "2026-12-31"
    assert "outlive your own authority" in refused.value.detail
    grant([V1, later], ends_on=date(2026, 12, 31))


# ------------------------------------------------------------------- claims


MAP = ClaimMap.model_validate(
    {
        "claims": ["roles", "groups"],
        "grants": {
            "StrongTrusts.Caseworker": {"roles": ["caseworker"]},
            "g-london": {"scopes": ["region:H"]},
            "g-camden": {"scopes": ["la:202"], "roles": ["reader"]},
        },
    }
)


def test_mapped_claims_grant_what_the_configuration_says_and_nothing_else() -> None:
    roles, scope = roles_and_scope(
        {"roles": ["StrongTrusts.Caseworker", "admin"], "groups": ["g-london", "g-other"]}, MAP
    )
    assert roles == {Role.CASEWORKER} and scope == parse_scopes(["region:H"])
    roles, scope = roles_and_scope({"groups": "g-camden"}, MAP)
    assert roles == {Role.READER} and scope.labels() == ["la:202"]
    assert roles_and_scope({}, MAP) == (frozenset(), NO_SCOPE)
    with pytest.raises(ClaimError) as bad:
        roles_and_scope({"groups": [1, 2]}, MAP)
    assert bad.value.claim == "groups"


def test_direct_claims_are_read_as_ours() -> None:
    roles, scope = roles_and_scope({"roles": ["reader", "superuser"], "scopes": ["region:H"]})
    assert roles == {Role.READER} and scope.labels() == ["region:H"]
    assert roles_and_scope({"roles": []})[1] == NO_SCOPE
    with pytest.raises(ClaimError) as missing:
        roles_and_scope({"scopes": ["national"]})
    assert missing.value.claim == "roles"


@pytest.mark.parametrize(
    "grants",
    [
        {"x": {"roles": ["superuser"]}},
        {"x": {"scopes": ["region:Z"]}},
        {"x": {"scopes": ["everywhere"]}},
    ],
)
def test_a_claim_map_naming_what_does_not_exist_stops_the_service(grants: Any) -> None:
    with pytest.raises(ValidationError):
        Settings(environment="test", jwt_claim_map=json.dumps({"grants": grants}))
