"""The HTTP platform every service shares: problem responses, auth, middleware, logs, metrics.

Import from the modules (``shared.http.problems``, ``shared.http.auth`` ...); this package
imports nothing itself, so using one module does not load the others.
"""
