"""The console: server-rendered pages for case teams, a client of the three services' APIs."""
