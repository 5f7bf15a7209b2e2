"""A local HTTP server publishing feed files as DfE does, and the files to publish.

The server answers conditional requests (ETag and Last-Modified) unless told not to, 404
for a file it does not have, and a scripted number of 503s before a file's first success.
Everything it was asked is kept in ``requests``.
"""

from __future__ import annotations

import csv
import hashlib
import io
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from services.registry.sample import write_sample

LAST_MODIFIED = "Mon, 02 Nov 2026 05:00:00 GMT"


@dataclass(frozen=True)
class Request:
    """One request the server answered."""

    name: str
    headers: dict[str, str]
    status: int


@dataclass
class FeedServer:
    """Files by name under ``/feeds/``; see the module docstring."""

    files: dict[str, bytes] = field(default_factory=dict)
    # Name: how many more requests for it fail with 503 before it is served.
    failures: dict[str, int] = field(default_factory=dict)
    conditional: bool = True
    requests: list[Request] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> str:
        """Serve on a free port in a thread of its own; returns the base URL."""
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server._answer(self)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()
        self.base_url = f"http://127.0.0.1:{self._httpd.server_address[1]}/feeds"
        return self.base_url

    def stop(self) -> None:
        """Stop serving."""
        self._httpd.shutdown()
        self._httpd.server_close()

    def asked_for(self, name: str) -> list[Request]:
        """The requests for one file, in order."""
        return [r for r in self.requests if r.name == name]

    def _answer(self, handler: BaseHTTPRequestHandler) -> None:
        name = handler.path.rsplit("/", 1)[-1]
        headers = {k.lower(): v for k, v in handler.headers.items()}
        with self._lock:
            body = self.files.get(name)
            failing = self.failures.get(name, 0)
            if failing:
                self.failures[name] = failing - 1
        etag = None if body is None else f'"{hashlib.sha256(body).hexdigest()[:16]}"'
        if failing:
            status = 503
        elif body is None:
            status = 404
        elif self.conditional and (
            headers.get("if-none-match") == etag
            or (
                etag is not None
                and headers.get("if-modified-since") == LAST_MODIFIED
                and "if-none-match" not in headers
            )
        ):
            status = 304
        else:
            status = 200
        with self._lock:
            self.requests.append(Request(name, headers, status))
        handler.send_response(status)
        if status == 200 and body is not None:
            handler.send_header("Content-Length", str(len(body)))
            if self.conditional:
                handler.send_header("ETag", etag or "")
                handler.send_header("Last-Modified", LAST_MODIFIED)
            handler.end_headers()
            handler.wfile.write(body)
        else:
            handler.send_header("Content-Length", "0")
            handler.end_headers()


def gias_names(day: date) -> dict[str, str]:
    """The four GIAS file names of ``day``, by role."""
    d = day.strftime("%Y%m%d")
    return {
        "establishments": f"edubasealldata{d}.csv",
        "groups": f"allgroupsdata{d}.csv",
        "links": f"alllinksdata{d}.csv",
        "predecessor_links": f"links_edubasealldata{d}.csv",
    }


def ofsted_names(day: date) -> dict[str, str]:
    """The two Ofsted file names of ``day`` (the sample writer's), by role."""
    d = day.strftime("%Y%m%d")
    return {"ofsted_mi_legacy": f"ofsted_mi_legacy_{d}.csv", "ofsted_mi": f"ofsted_mi_{d}.csv"}


def sample_set(folder: Path, day: date, *, schools: int = 300, seed: int = 7) -> dict[str, bytes]:
    """The six files ``strongtrusts sample gias`` writes for ``day``, by name."""
    written = write_sample(folder, schools=schools, seed=seed, snapshot=day)
    return {path.name: path.read_bytes() for path in written.all()}


def redated(files: dict[str, bytes], old: date, new: date) -> dict[str, bytes]:
    """The same files named for another day."""
    a, b = old.strftime("%Y%m%d"), new.strftime("%Y%m%d")
    return {name.replace(a, b): body for name, body in files.items()}


Rows = list[dict[str, str]]


def edit_csv(body: bytes, edit: Callable[[Rows], Rows]) -> bytes:
    """A GIAS CSV with its rows changed by ``edit``, written back as GIAS writes it."""
    text = body.decode("cp1252")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = list(reader.fieldnames or [])
    rows = edit(list(reader))
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(h, "") for h in header])
    return out.getvalue().encode("cp1252")


def open_academies(rows: Rows) -> Iterator[dict[str, str]]:
    """The open establishments rows, in file order."""
    return (r for r in rows if r["EstablishmentStatus (name)"] == "Open")
