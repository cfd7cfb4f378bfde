"""``python -m core bench``: the product's own paths timed against the plain libraries, at a size
chosen on the command line (issue 8). Results go to docs/BENCHMARKS.md with their commands."""

from core.settings import PROJECT_ROOT

DEFAULT_CORPUS = PROJECT_ROOT.parent / "shared" / "corpus"  # the shared test corpus, beside the repository
