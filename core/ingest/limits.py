"""How much work one file may cause: its size, how far its compressed parts expand, its pages, pages
read with OCR, characters of text and seconds of reading (issue 15).

A 1 MB PDF can hold 100,000 blank pages, each OCR'd for up to three minutes, or a stream that inflates
to gigabytes; a file over a limit is refused whole, with one sentence naming the setting that stopped it,
so the user knows what was wrong and what an administrator could raise. The numbers live in
``core.settings``; this module only carries them to the loaders and keeps one file's running account.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from core.i18n import say
from core.ingest.errors import IngestError
from core.settings import Settings, default

if TYPE_CHECKING:
    from pypdf import Configuration

MB = 1024 * 1024


class LimitExceeded(IngestError):
    """A file over one of its limits: refused whole, never turned into a note about skipped pages."""


@dataclass(frozen=True)
class ReadLimits:
    """The limits one file is read under; the defaults are the settings' defaults."""

    expanded_mb: int = default("max_expanded_mb")
    pages: int = default("max_pages")
    ocr_pages: int = default("max_ocr_pages")
    chars: int = default("max_chars")
    seconds: float = default("max_read_seconds")

    @classmethod
    def from_settings(cls, settings: Settings) -> ReadLimits:
        return cls(settings.max_expanded_mb, settings.max_pages, settings.max_ocr_pages, settings.max_chars,
                   settings.max_read_seconds)

    @property
    def expanded_bytes(self) -> int:
        return self.expanded_mb * MB

    def pypdf_configuration(self) -> Configuration:
        """pypdf 7 caps every decoder's output itself (75 MB by default); ours is the one limit that counts,
        so a stream may expand to ``expanded_mb`` and no further, whichever filter it uses."""
        from pypdf import get_configuration

        cap = self.expanded_bytes
        return get_configuration().with_overwrites(
            zlib_maximum_output_length=cap, lzw_maximum_output_length=cap, run_length_maximum_output_length=cap,
            brotli_maximum_output_length=cap, jbig2_maximum_output_length=cap,
            array_based_stream_maximum_output_length=cap, stream_decoding_work_maximum_length=cap,
        )

    def expansion_refusal(self, what: str) -> LimitExceeded:
        return LimitExceeded(say("refused: {what} expands to more than {mb:,} MB (max_expanded_mb); it looks like a "
                                 "decompression bomb", what=what, mb=self.expanded_mb))

    def check_pages(self, pages: int) -> None:
        if pages > self.pages:
            raise LimitExceeded(say("this PDF has {pages:,} pages, more than the {limit:,}-page limit (max_pages)",
                                    pages=pages, limit=self.pages))

    def check_chars(self, chars: int) -> None:
        if chars > self.chars:
            raise LimitExceeded(say("refused: this file holds more than {limit:,} characters of text (max_chars)",
                                    limit=self.chars))


@dataclass
class ReadBudget:
    """One file's running account against its limits, checked between pages (a single page is bounded
    by the expansion limit and OCR's per-page timeout)."""

    limits: ReadLimits = field(default_factory=ReadLimits)
    chars: int = 0
    started: float = field(default_factory=lambda: time.monotonic())  # looked up when called: tests stand in a clock

    def check_time(self) -> None:
        if time.monotonic() - self.started > self.limits.seconds:
            raise LimitExceeded(say("refused: reading this file took longer than {seconds:,g} s (max_read_seconds)",
                                    seconds=self.limits.seconds))

    def add_text(self, text: str) -> None:
        self.chars += len(text)
        self.limits.check_chars(self.chars)


def upload_refusal(size: int, max_upload_mb: int) -> str:
    """The sentence that refuses a file of ``size`` bytes, or "" when it is within the limit. One
    sentence for the CLI, the pipeline and the Documents page, which all check before reading."""
    if size <= max_upload_mb * MB:
        return ""
    return say("file is {size:,.1f} MB, larger than the {limit:,} MB limit (max_upload_mb)", size=size / MB,
               limit=max_upload_mb)
