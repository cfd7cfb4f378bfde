"""``python -m core bench``: the product's own paths timed against the plain libraries, at a size
chosen on the command line (issue 8). Results go to docs/BENCHMARKS.md with their commands."""

from core.settings import Settings

DEFAULT_CORPUS = Settings().corpus_dir  # the corpus_dir setting's default; the bench command passes the loaded one
