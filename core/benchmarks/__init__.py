"""``python -m core bench``: the product's own paths timed against the plain libraries, at a size
chosen on the command line (issue 8). Results go to docs/BENCHMARKS.md with their commands."""

from pathlib import Path

from core.settings import default

DEFAULT_CORPUS: Path = default("corpus_dir")  # the setting's default; the bench command passes the loaded one
