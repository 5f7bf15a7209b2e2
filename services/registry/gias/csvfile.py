"""CSV files as DfE publishes them: Windows-1252 (or UTF-8 with a BOM), quoted, with headers.

Unusable input (an unreadable file, a missing required column) raises ``UnusableInput`` and
the feed applies nothing; a bad row is a ``RowProblem`` and the good rows still apply.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, NamedTuple

BOM = b"\xef\xbb\xbf"


class UnusableInput(Exception):
    """A file cannot be used at all; nothing is applied."""

    def __init__(self, file: str, reason: str) -> None:
        super().__init__(f"{file}: {reason}")
        self.file = file
        self.reason = reason


@dataclass(frozen=True)
class RowProblem(Exception):
    """One row cannot be used: where and why."""

    file: str
    line: int
    column: str | None
    value: str | None
    reason: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" + (f" [{self.column}]" if self.column else "")
        return f"{where}: {self.reason}" + (f" ({self.value!r})" if self.value else "")


class Row(NamedTuple):
    """One data row: its file, its line number (the header is line 1) and its fields.

    A named tuple, built in a third of a frozen dataclass's time: an import makes one for
    every row of every file (80,000 nationally).
    """

    file: str
    line: int
    fields: dict[str, str]

    def text(self, column: str) -> str | None:
        """The stripped value, or None when the column is absent or empty."""
        value = self.fields.get(column)
        if value is None:
            return None
        value = value.strip()
        return value or None

    def texts(self, columns: Sequence[str]) -> list[str | None]:
        """``text`` of each of ``columns``, in one go (for a parser reading many of them)."""
        get = self.fields.get
        return [(v.strip() or None) if (v := get(c)) is not None else None for c in columns]

    def required(self, column: str) -> str:
        """The value, or a RowProblem if it is empty."""
        value = self.text(column)
        if value is None:
            raise self.problem(column, None, "is empty")
        return value

    def integer(
        self, column: str, *, low: int | None = None, high: int | None = None
    ) -> int | None:
        """A whole number, or None when empty."""
        value = self.text(column)
        if value is None:
            return None
        try:
            number = int(value)
        except ValueError:
            raise self.problem(column, value, "is not a whole number") from None
        if (low is not None and number < low) or (high is not None and number > high):
            raise self.problem(column, value, f"is outside {low}..{high}")
        return number

    def decimal(self, column: str) -> float | None:
        """A number, or None when empty."""
        value = self.text(column)
        if value is None:
            return None
        try:
            return float(value)
        except ValueError:
            raise self.problem(column, value, "is not a number") from None

    def day(self, column: str) -> date | None:
        """A date written dd-mm-yyyy or dd/mm/yyyy (GIAS uses both), or None when empty."""
        value = self.text(column)
        if value is None:
            return None
        parts = value.replace("/", "-").split("-")
        if len(parts) != 3:
            raise self.problem(column, value, "is not a date (dd-mm-yyyy)")
        day, month, year = parts
        if not (day.isdigit() and month.isdigit() and year.isdigit()) or len(year) != 4:
            raise self.problem(column, value, "is not a date (dd-mm-yyyy)")
        try:
            return date(int(year), int(month), int(day))
        except ValueError:
            raise self.problem(column, value, "is not a real date") from None

    def problem(self, column: str | None, value: str | None, reason: str) -> RowProblem:
        """A RowProblem located at this row."""
        return RowProblem(self.file, self.line, column, value, reason)


def decode(raw: bytes, file: str) -> str:
    """UTF-8 when the file starts with a BOM (someone re-saved it), else Windows-1252."""
    if raw.startswith(BOM):
        try:
            return raw[len(BOM) :].decode("utf-8")
        except UnicodeDecodeError as exc:
            raise UnusableInput(file, f"has a UTF-8 BOM but is not UTF-8 ({exc.reason})") from None
    try:
        return raw.decode("cp1252")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise UnusableInput(
            file, f"is not Windows-1252 text: byte 0x{raw[exc.start]:02x} on line {line}"
        ) from None


def read_rows(path: Path, required: Sequence[str], *, name: str | None = None) -> Iterator[Row]:
    """The rows of a GIAS CSV, after checking that every required column is present."""
    return read_table(path, required, name=name).rows()


@dataclass(frozen=True)
class Table:
    """A CSV file's columns and its rows as read: (line, values), not yet made ``Row``s.

    For a reader that looks at most rows only in passing (a re-import comparing digests).
    """

    file: str
    columns: list[str]
    lines: Iterator[tuple[int, list[str]]]

    def rows(self) -> Iterator[Row]:
        """The same rows as ``Row``s."""
        return (self.row(line, values) for line, values in self.lines)

    def row(self, line: int, values: list[str]) -> Row:
        """One of its rows as a ``Row``."""
        return Row(self.file, line, dict(zip(self.columns, values, strict=False)))


def read_table(path: Path, required: Sequence[str], *, name: str | None = None) -> Table:
    """A GIAS CSV's columns and rows, after checking that every required column is present."""
    file = name or path.name
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise UnusableInput(file, f"cannot be read ({exc.strerror})") from None
    return table_from_text(decode(raw, file), required, file)


def rows_from_text(text: str, required: Sequence[str], file: str) -> Iterator[Row]:
    """Rows from decoded text; see ``read_rows``."""
    return table_from_text(text, required, file).rows()


def table_from_text(text: str, required: Sequence[str], file: str) -> Table:
    """A table from decoded text; see ``read_table``."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise UnusableInput(file, "is empty") from None
    except csv.Error as exc:
        raise UnusableInput(file, f"is not CSV: {exc}") from None
    columns = [h.strip() for h in header]
    missing = [c for c in required if c not in columns]
    if missing:
        raise UnusableInput(file, "is missing required columns: " + ", ".join(missing))
    return Table(file, columns, _lines(reader, file))


def _lines(reader: Any, file: str) -> Iterator[tuple[int, list[str]]]:
    while True:
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise UnusableInput(
                file, f"is not valid CSV near line {reader.line_num}: {exc}"
            ) from None
        if not values or (len(values) == 1 and not values[0].strip()):
            continue
        # line_num counts physical lines, so quoted newlines do not shift what we report.
        yield reader.line_num, values
