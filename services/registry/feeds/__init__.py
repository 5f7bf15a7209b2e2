"""Scheduled pulls of DfE's feeds: GIAS daily extracts and Ofsted's monthly management information.

One active worker across replicas fetches the newest set on a schedule, holds back a
snapshot that looks wrong (the drift guard), applies the rest through the registry's own
importers, and records every pull as events on ``feed-{feed}``; ``GET /feeds`` is their
projection.
"""
