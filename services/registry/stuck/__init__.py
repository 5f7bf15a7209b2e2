"""Stuck schools: DfE's RISE eligibility, across Ofsted's eras, computed from the registry."""
