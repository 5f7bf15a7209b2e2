"""``GET /areas/{area}/plan``: the unit of area-based commissioning, from events only.

For an Education Investment Area (or any area in ``shared.reference``): open schools not in
a trust, open schools in trusts under an active intervention, open cases with a school in
the area, and how coverage by trusts grew, at each month or year end, from the membership
history the knowledge projection keeps. ``api`` is the route, ``queries`` reads the plan,
``schemas`` is what it answers with.
"""
