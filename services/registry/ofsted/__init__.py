"""Ofsted's management information: every era of school inspection, one importer
(``importer``), rows read in their era's terms (``rows``), categories by policy
(``categories``)."""
