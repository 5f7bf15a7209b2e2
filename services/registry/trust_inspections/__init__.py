"""Ofsted's inspections of academy trusts: the import shape as policy data (``format``), one
row read in its terms (``rows``), and the importer (``importer``)."""
