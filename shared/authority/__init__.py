"""Who may act where: roles, scopes, the authority table, delegation and referral.

A person's token says what they do (``roles``) and where (``scopes``: ``national``,
``region:H``, ``la:383``; ``claims`` says how a production identity provider's claims are
mapped to them by configuration). Each service keeps one versioned table, its ``authority``
policy (``table``), saying for every step its routes take which roles may take it and where:
on a resource in the caller's scope, nationally, or anywhere. Whether a person may take a
step on a resource is a pure function (``rules.authorize``) of the principal, the table in
force, the resource's ``Place``, its referral and the delegations in force; it answers how
they may (by role, delegation or referral), and every event the write appends records it.

* ``scope``: ``Scope`` (where a person acts), ``Place`` (where a resource is), parsing.
* ``table``: the table's document, its checks, and the ``authority`` policy kind.
* ``rules``: ``authorize``, delegations, referrals, and the 403s naming each rule.
* ``tables``: a service's table versions, cached (how a new version takes effect).
* ``acting``: one principal taking one step; ``authorize(uow, place)`` in a unit of work.
* ``claims``: token claims to roles and scopes, read directly or mapped by configuration.

A route names its step with ``shared.http.steps`` (``step``, ``create``, ``change``): that
module's docstring says how to add a route, step and row.
"""
