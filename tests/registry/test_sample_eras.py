"""The first run's sample holds one school inspected in every era of Ofsted's."""

from __future__ import annotations

from pathlib import Path

from services.registry.ofsted.importer import OfstedReport, read_inspections
from services.registry.sample import write_sample
from services.registry.sample.eras import every_era_path, write_every_era


def test_one_sample_school_has_an_inspection_of_every_era(tmp_path: Path) -> None:
    files = write_sample(tmp_path, schools=2000, seed=2030)
    eras = every_era_path(files.ofsted_legacy)
    urn = write_every_era(files.ofsted, files.ofsted_legacy, eras)
    assert urn is not None and eras.name.startswith("ofsted_mi_eras_")
    seen = []
    for path in (files.ofsted_legacy, files.ofsted, eras):
        report = OfstedReport("sample")
        seen += [
            (p.inspection_start, p.framework)
            for _, p in read_inspections(path, report)
            if p.urn == urn
        ]
        assert report.rejected == [], path.name
    assert [framework for _, framework in sorted(seen)] == [
        "single_grade",
        "key_judgements",
        "ungraded",
        "report_card",
    ]


def test_no_school_fits_without_report_cards(tmp_path: Path) -> None:
    files = write_sample(tmp_path, schools=200, seed=7)
    files.ofsted.write_text(files.ofsted.read_text(encoding="cp1252").splitlines()[0] + "\r\n")
    assert write_every_era(files.ofsted, files.ofsted_legacy, tmp_path / "eras.csv") is None
    assert not (tmp_path / "eras.csv").exists()
