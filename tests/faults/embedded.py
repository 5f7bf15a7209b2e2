"""A throwaway embedded PostgreSQL that a fault test may stop and start again.

Fault tests cannot use TEST_DATABASE_URL's server: they stop it. pgserver starts the
server with ``pg_ctl``; stopping is a signal to the postmaster (the documented shutdown
modes: SIGINT is "fast", SIGQUIT "immediate", i.e. a crash that recovery replays), and
starting again is pgserver's own start, which also refreshes its idea of the running
postmaster so that its cleanup stops the right process.
"""

from __future__ import annotations

import asyncio
import os
import signal
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

StopMode = Literal["fast", "immediate"]

_SIGNALS: dict[StopMode, signal.Signals] = {
    "fast": signal.SIGINT,
    "immediate": signal.SIGQUIT,
}


@dataclass
class EmbeddedPostgres:
    """One embedded server of this test's own, in a fresh data directory."""

    server: Any
    url: str

    @classmethod
    def start(cls) -> EmbeddedPostgres:
        """A new server (a short path: the Unix socket lives in the data directory)."""
        import pgserver

        data_dir = Path(tempfile.mkdtemp(prefix="st-fault-"))
        server = pgserver.get_server(data_dir, cleanup_mode="delete")  # type: ignore[attr-defined]
        return cls(server, str(server.get_uri()))

    async def stop(self, mode: StopMode) -> None:
        """Shut the server down and wait until the postmaster has exited."""
        process = self.server.get_postmaster_info().process
        os.kill(self.server.get_pid(), _SIGNALS[mode])
        await asyncio.to_thread(process.wait, 30)

    async def start_again(self) -> None:
        """Start the stopped server on the same data directory and socket."""
        await asyncio.to_thread(self.server.ensure_postgres_running)
        again = str(self.server.get_uri())
        if again != self.url:  # the services were given the first URL
            raise AssertionError(f"the server came back at {again}, not {self.url}")

    def close(self) -> None:
        """Stop the server and delete its files."""
        self.server.cleanup()


def server_log_tail(pg: EmbeddedPostgres, lines: int = 40) -> str:
    """The end of the server's log, for a failure message."""
    try:
        text: str = Path(pg.server.log).read_text(errors="replace")
    except OSError as exc:
        return f"(no server log: {exc})"
    return "\n".join(text.splitlines()[-lines:])
