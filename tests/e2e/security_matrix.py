"""Who may call what: the declared role matrix the security tests hold every service to.

This table is the source of truth, written from the services' docs and route dependencies
(the reader sets in shared/http/deps.py; registry register_api.py / imports_api.py,
assessment http_deps.py, commissioning routing.py). A route that is added without an entry
here fails the tests, so a new endpoint cannot ship without someone deciding who may call
it. Admin is administration, not authority: it is listed where it passes (publishing a
framework, and reads), and every domain write needs its own role, even for an admin.
"""

from __future__ import annotations

from shared.http.auth import Role

Service = str
RouteKey = tuple[Service, str, str]  # (service, method, path template)

# Answer without a token: liveness, readiness, metrics, and the API documents.
PUBLIC_PATHS = frozenset(
    {"/healthz", "/readyz", "/metrics", "/docs", "/docs/oauth2-redirect", "/redoc", "/openapi.json"}
)

_R = Role
EVERY_ROLE = frozenset(Role)

# The registry and assessment: every role may read.
REGISTRY_READERS = EVERY_ROLE
ASSESSMENT_READERS = EVERY_ROLE
# A trust's indicators: everyone who works with assessments or decisions, not the data feed.
INDICATOR_READERS = EVERY_ROLE - {Role.DATA_FEED}
# Commissioning: readers, caseworkers, decision makers, auditors and admins.
COMMISSIONING_READERS = frozenset(
    {_R.READER, _R.CASEWORKER, _R.DECISION_MAKER, _R.AUDITOR, _R.ADMIN}
)
# The cross-service audit API is for auditors (issue 6, shared/audit/api.py), and admins.
AUDITORS = frozenset({_R.AUDITOR, _R.ADMIN})

WRITE_ROLES: dict[RouteKey, frozenset[Role]] = {
    # registry: a caseworker registers an LA-established trust; the data feed hands in GIAS.
    ("registry", "POST", "/trusts"): frozenset({_R.CASEWORKER}),
    ("registry", "POST", "/imports/gias"): frozenset({_R.DATA_FEED}),
    # The data feed decides on a snapshot the scheduled pull held back.
    ("registry", "POST", "/feeds/{feed}/held/{run_id}/release"): frozenset({_R.DATA_FEED}),
    ("registry", "POST", "/feeds/{feed}/held/{run_id}/discard"): frozenset({_R.DATA_FEED}),
    # assessment: only an admin publishes a framework (the one administrative write); an
    # assessor starts, records evidence, judges and submits; a moderator moderates and
    # publishes; either may withdraw.
    ("assessment", "POST", "/frameworks"): frozenset({_R.ADMIN}),
    ("assessment", "POST", "/assessments"): frozenset({_R.ASSESSOR}),
    ("assessment", "POST", "/assessments/{assessment_id}/evidence"): frozenset({_R.ASSESSOR}),
    ("assessment", "POST", "/assessments/{assessment_id}/evidence/indicators"): frozenset(
        {_R.ASSESSOR}
    ),
    ("assessment", "PUT", "/assessments/{assessment_id}/pillars/{pillar}/judgement"): frozenset(
        {_R.ASSESSOR}
    ),
    ("assessment", "POST", "/assessments/{assessment_id}/submit"): frozenset({_R.ASSESSOR}),
    ("assessment", "POST", "/assessments/{assessment_id}/moderate"): frozenset({_R.MODERATOR}),
    ("assessment", "POST", "/assessments/{assessment_id}/publish"): frozenset({_R.MODERATOR}),
    ("assessment", "POST", "/assessments/{assessment_id}/withdraw"): frozenset(
        {_R.ASSESSOR, _R.MODERATOR}
    ),
    # commissioning: a caseworker runs the case and issues interventions; only a decision
    # maker records a decision.
    ("commissioning", "POST", "/cases"): frozenset({_R.CASEWORKER}),
    ("commissioning", "PUT", "/cases/{case_id}/criteria"): frozenset({_R.CASEWORKER}),
    ("commissioning", "POST", "/cases/{case_id}/shortlist"): frozenset({_R.CASEWORKER}),
    ("commissioning", "POST", "/cases/{case_id}/advisory-board"): frozenset({_R.CASEWORKER}),
    ("commissioning", "POST", "/cases/{case_id}/decision"): frozenset({_R.DECISION_MAKER}),
    ("commissioning", "POST", "/cases/{case_id}/significant-date"): frozenset({_R.CASEWORKER}),
    ("commissioning", "POST", "/cases/{case_id}/close"): frozenset({_R.CASEWORKER}),
    ("commissioning", "POST", "/interventions"): frozenset({_R.CASEWORKER}),
    ("commissioning", "POST", "/interventions/{intervention_id}/status"): frozenset(
        {_R.CASEWORKER}
    ),
}

READ_ROLES: dict[RouteKey, frozenset[Role]] = {
    ("registry", "GET", "/schools"): REGISTRY_READERS,
    ("registry", "GET", "/schools/{urn}"): REGISTRY_READERS,
    ("registry", "GET", "/schools/{urn}/history"): REGISTRY_READERS,
    ("registry", "GET", "/trusts"): REGISTRY_READERS,
    ("registry", "GET", "/trusts/{uid}"): REGISTRY_READERS,
    ("registry", "GET", "/trusts/{uid}/schools"): REGISTRY_READERS,
    ("registry", "GET", "/stats/coverage"): REGISTRY_READERS,
    ("registry", "GET", "/areas"): REGISTRY_READERS,
    ("registry", "GET", "/areas/{name}"): REGISTRY_READERS,
    ("registry", "GET", "/imports/{import_id}"): REGISTRY_READERS,
    ("registry", "GET", "/feeds"): REGISTRY_READERS,
    ("registry", "GET", "/feeds/{feed}/held"): REGISTRY_READERS,
    ("assessment", "GET", "/frameworks"): ASSESSMENT_READERS,
    ("assessment", "GET", "/frameworks/{framework_id}/versions/{version}"): ASSESSMENT_READERS,
    ("assessment", "GET", "/assessments"): ASSESSMENT_READERS,
    ("assessment", "GET", "/assessments/{assessment_id}"): ASSESSMENT_READERS,
    ("assessment", "GET", "/trusts/{uid}/profile"): ASSESSMENT_READERS,
    ("assessment", "GET", "/trusts/{uid}/indicators"): INDICATOR_READERS,
    ("commissioning", "GET", "/cases"): COMMISSIONING_READERS,
    ("commissioning", "GET", "/cases/{case_id}"): COMMISSIONING_READERS,
    ("commissioning", "GET", "/cases/{case_id}/candidates"): COMMISSIONING_READERS,
    # The case's own trail (commissioning/api.py get_audit) is a case read, documented for
    # every commissioning reader; the cross-service /audit/* API below is auditors only.
    ("commissioning", "GET", "/cases/{case_id}/audit"): COMMISSIONING_READERS,
    ("commissioning", "GET", "/interventions"): COMMISSIONING_READERS,
    ("commissioning", "GET", "/interventions/{intervention_id}"): COMMISSIONING_READERS,
    ("commissioning", "GET", "/areas/{area}/plan"): COMMISSIONING_READERS,
    ("commissioning", "GET", "/audit/schools/{urn}"): AUDITORS,
    ("commissioning", "GET", "/audit/trusts/{uid}"): AUDITORS,
    ("commissioning", "GET", "/audit/cases/{case_id}"): AUDITORS,
    ("commissioning", "GET", "/audit/schools/{urn}/export"): AUDITORS,
    ("commissioning", "GET", "/audit/trusts/{uid}/export"): AUDITORS,
    ("commissioning", "GET", "/audit/cases/{case_id}/export"): AUDITORS,
    ("commissioning", "GET", "/audit/verify"): AUDITORS,
    ("commissioning", "GET", "/audit/checkpoints/latest"): AUDITORS,
}

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
