"""Ofsted's management information: every era of school inspection, one importer."""

from services.registry.ofsted.importer import OfstedReport, import_ofsted, read_inspections

__all__ = ["OfstedReport", "import_ofsted", "read_inspections"]
