"""Shared fixtures: a temporary library, fake models for fast tests, generated documents,
and a guard that fails any network connection that is not to this machine."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from langchain_core.embeddings import DeterministicFakeEmbedding

import core  # noqa: F401 - offline environment first
from core.service import DocChat
from core.settings import Settings

SHARED = Settings().corpus_dir  # the setting's default: DOCCHAT_CORPUS_DIR of the test run does not move it


@pytest.fixture(autouse=True)
def english_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test starts in a plain English locale, whatever the runner's: the CLI follows LANGUAGE,
    LC_ALL, LC_MESSAGES and LANG (core.i18n), so on a Korean machine the English tests would turn Korean.
    Child processes (``python -m core`` in a subprocess) inherit it through ``os.environ``."""
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", chunk_size=300, chunk_overlap=30, k=3,
                    llm="llama.cpp:smollm2-135m-instruct.q4_1", max_tokens=48)


@pytest.fixture
def fake_embeddings() -> DeterministicFakeEmbedding:
    return DeterministicFakeEmbedding(size=32)


@pytest.fixture
def app(settings: Settings, fake_embeddings) -> DocChat:
    return DocChat(settings, embeddings=fake_embeddings)


def make_pdf(path: Path, pages: list[str]) -> Path:
    """A real PDF with one text page per string (fpdf2), for tests that must not need ../shared."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("helvetica", size=11)
    for text in pages:
        pdf.add_page()
        pdf.multi_cell(0, 6, text)
    pdf.output(str(path))
    return path


@pytest.fixture
def lighthouse_pdf(tmp_path: Path) -> Path:
    return make_pdf(
        tmp_path / "lighthouse.pdf",
        [
            "Marta Quell keeps the lighthouse on Skarvoy island. She rows to the mainland on Sundays.",
            "The Skarvoy lighthouse was built in 1874 by the harbour board. Its lamp burns whale oil.",
        ],
    )


@pytest.fixture
def corpus() -> Path:
    if not SHARED.is_dir():
        pytest.skip("../shared/corpus is not present (CI has it); corpus tests skipped")
    return SHARED


class NetworkBlocked(AssertionError):
    pass


@pytest.fixture
def no_network(monkeypatch):
    """Fail every connection to anything but loopback; record what was attempted."""
    attempts: list[object] = []
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex

    def is_loopback(address) -> bool:
        if isinstance(address, (str, bytes)):  # AF_UNIX
            return True
        host = str(address[0])
        return host in ("localhost", "::1") or host.startswith("127.")

    def guarded(real):
        def connect(self, address, *args):
            if not is_loopback(address):
                attempts.append(address)
                raise NetworkBlocked(f"network connection attempted: {address!r}")
            return real(self, address, *args)

        return connect

    monkeypatch.setattr(socket.socket, "connect", guarded(real_connect))
    monkeypatch.setattr(socket.socket, "connect_ex", guarded(real_connect_ex))
    return attempts
