"""What the model picker, ``models --json`` and the registry say of each model: one closed set of
states, so a typo is a type error rather than a model that silently never counts as ready."""

from __future__ import annotations

from typing import Final, Literal

LLMState = Literal["ready", "not installed", "model file missing", "unsupported", "server not reachable",
                   "server refused access", "unexpected answer", "no models"]

READY: Final = "ready"
NOT_INSTALLED: Final = "not installed"  # the runtime's package is missing
MISSING: Final = "model file missing"
UNSUPPORTED: Final = "unsupported"  # the runtime cannot load this file
UNREACHABLE: Final = "server not reachable"
REFUSED: Final = "server refused access"
NOT_A_SERVER: Final = "unexpected answer"
NO_MODELS: Final = "no models"  # the server answers but lists none
