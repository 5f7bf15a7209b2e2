"""The open register: published decisions, notices and completed transfers, as JSON and CSV."""
