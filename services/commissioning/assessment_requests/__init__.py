"""A caseworker asks for an assessment of a shortlisted trust, from the case."""
