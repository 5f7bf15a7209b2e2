"""Policy as data: versioned, dated, sourced documents of known kinds, published as events.

``book`` says which kinds a service keeps and how each is checked; ``versions`` picks the
version in force on a day (pure); ``store`` reads, publishes and seeds them through the
log; ``api`` serves them over HTTP, the same way in every service.
"""
