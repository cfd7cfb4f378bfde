"""``streamlit run Home.py`` for the tests that need the real server (browser tests, the host and
error-detail guards): a free loopback port, the repository's ``.streamlit/config.toml``, a library
in the test's folder and only the ``DOCCHAT_*`` settings the test gives."""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
START_TIMEOUT_S = 90


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _healthy(port: int) -> bool:
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        connection.request("GET", "/_stcore/health", headers={"Host": f"localhost:{port}"})
        return connection.getresponse().read() == b"ok"
    except OSError:
        return False


def _tail(path: Path, chars: int = 4000) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")[-chars:]
    except OSError:
        return "(no server log)"


@contextmanager
def streamlit_app(tmp_path: Path, **settings: str) -> Iterator[int]:
    """The app on a free port until the block ends; yields the port. ``settings``: ``DOCCHAT_*``
    environment variables (a settings.toml in the repository is never read)."""
    port = _free_port()
    (tmp_path / "data").mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DOCCHAT_", "STREAMLIT_"))}
    env.update({"DOCCHAT_DATA_DIR": str(tmp_path / "data"), "DOCCHAT_SETTINGS": str(tmp_path / "no-settings.toml"),
                **settings})
    python = REPO_ROOT / ".venv" / "bin" / "python"
    command = [str(python if python.exists() else sys.executable), "-m", "streamlit", "run", "Home.py",
               "--server.port", str(port),
               # no file watcher: edits to the sources during the run must not disturb the test
               "--server.fileWatcherType", "none"]
    log_path = tmp_path / "server.log"
    with open(log_path, "w", encoding="utf-8") as log:
        server = subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + START_TIMEOUT_S
            while not _healthy(port):
                if server.poll() is not None:
                    pytest.fail(f"streamlit exited with {server.returncode} before answering:\n{_tail(log_path)}")
                if time.monotonic() > deadline:
                    pytest.fail(f"streamlit did not answer within {START_TIMEOUT_S} s:\n{_tail(log_path)}")
                time.sleep(0.25)
            yield port
        finally:
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(timeout=5)
