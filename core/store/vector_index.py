"""The FAISS half of the library: vectors keyed by chunk id, on disk in one file.

No pickle: the file is written with ``faiss.write_index``, committed with the rows
(``core.store.index_file``), and read again whenever the committed checksum changes, so a
document another process added is searchable here without a restart.

The index type follows the library's size (docs/decisions/005-faiss-index-by-size.md): exact
search (``IndexIDMap2(IndexFlatIP)``) while it is fast enough, an inverted-file index
(``IndexIVFFlat``) beyond ``flat_limit`` vectors. IVF, unlike HNSW, removes vectors by id, so
replace and delete keep working; its hashtable direct map gives ``reconstruct(chunk id)`` for
the similarity lookup. The switch happens when an index is saved, never while it is searched.
"""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Literal, TypeGuard, cast, overload

import numpy as np

from core.store.index_file import IndexFile, UntrustedIndex

if TYPE_CHECKING:
    import faiss

log = logging.getLogger(__name__)

# Measured in docs/decisions/005 (python -m core bench index): exact search over 384-d vectors costs
# ~0.14-0.15 ms per 1,000 on the 2-core reference machine (100k: 15 ms p95, 1M: 148 ms). Past 150k it would
# cost more than embedding the question (e5: ~22 ms p95); IVF with these settings stays under 4 ms at 1M
# with recall@10 0.976-0.999 against exact search.
FLAT_LIMIT = 150_000
NLIST_PER_SQRT = 4  # IVF lists = 4 * sqrt(vectors): 1,549 at 150k, 4,000 at 1M
NPROBE = 128  # lists visited per query
MIN_TRAIN_PER_LIST = 39  # faiss warns below 39 training points per centroid
TRAIN_PER_LIST = 64  # k-means sample per list (faiss: 256); the one-off switch at 150k took 9 s


class VectorIndex:
    """The in-memory index of one library, checked against the committed checksum on every use.

    Copy-on-write: a published index is never changed. A writer changes a ``working_copy``, stages
    it, and ``publish`` swaps it in after the commit, so a search in another thread (FAISS releases
    the GIL) sees the old index or the new one, never one half-changed."""

    def __init__(self, path: Path, flat_limit: int | None = None, nprobe: int | None = None) -> None:
        self.file = IndexFile(path)
        self.flat_limit = FLAT_LIMIT if flat_limit is None else flat_limit  # read at call time: tests lower it
        self.nprobe = NPROBE if nprobe is None else nprobe
        self._lock = threading.RLock()
        self._index: faiss.Index | None = None
        self._loaded_for: str | None = None  # the committed checksum ``_index`` was loaded for
        self._loaded = False
        self.untrusted = False  # the committed index file is missing or another one
        self._staged: tuple[str, faiss.Index] | None = None

    def current(self, committed: str | None) -> faiss.Index | None:
        """The index the committed rows name, re-read when another process or instance committed
        another one; None when there is none yet or the file cannot be trusted (``untrusted``)."""
        with self._lock:
            if self._loaded and self._loaded_for == committed:
                return self._index
            if self._staged and self._staged[0] == committed:  # our own, committed, not yet published
                self._keep(committed, self._staged[1])
                return self._index
            try:
                index = self.file.read(committed)
            except UntrustedIndex as exc:
                log.warning("%s: the vectors will be rebuilt from the stored passages", exc)
                self._keep(committed, None, untrusted=True)
                return None
            except RuntimeError as exc:  # a damaged file from before checksums: nothing to trust
                log.warning("cannot read %s (%s): the vectors will be rebuilt", self.file.path.name, exc)
                self._keep(committed, None, untrusted=True)
                return None
            self._keep(committed, index)
            return index

    @property
    def published(self) -> str | None:
        """The checksum of the index in memory (what the last commit named, as far as we know)."""
        return self._loaded_for

    def _keep(self, committed: str | None, index: faiss.Index | None, untrusted: bool = False) -> None:
        self._index, self._loaded_for, self._loaded, self.untrusted = index, committed, True, untrusted

    def forget(self) -> None:
        """Drop the in-memory copy so the next use reads the committed file again."""
        with self._lock:
            self._index, self._loaded_for, self._loaded, self.untrusted = None, None, False, False

    @staticmethod
    def empty(dimension: int) -> faiss.IndexIDMap2:
        import faiss

        return faiss.IndexIDMap2(faiss.IndexFlatIP(dimension))

    @overload
    def working_copy(self, index: faiss.Index | None, dimension: int) -> faiss.Index: ...
    @overload
    def working_copy(self, index: faiss.Index | None, dimension: None = None) -> faiss.Index | None: ...
    def working_copy(self, index: faiss.Index | None, dimension: int | None = None) -> faiss.Index | None:
        """A copy of ``index`` for a writer to change (the published one stays as it is); an empty
        index of ``dimension`` when there is none or an empty one of another dimension."""
        import faiss

        if index is not None and (dimension is None or index.d == dimension or index.ntotal):
            return faiss.clone_index(index)
        return None if dimension is None else self.empty(dimension)

    def stage(self, index: faiss.Index) -> str:
        """Write ``index`` (first changed to the type its size calls for) as the next version;
        returns the checksum the transaction records."""
        index = self.fitted(index)
        checksum = self.file.stage(index)
        with self._lock:
            self._staged = (checksum, index)
        return checksum

    def publish(self) -> None:
        """After the commit: the staged index becomes the file and the one searched."""
        with self._lock:
            if self._staged is None:
                return
            checksum, index = self._staged
            self.file.publish()
            self._keep(checksum, index)
            self._staged = None

    def discard(self) -> None:
        """After a rollback."""
        with self._lock:
            self._staged = None
            self.file.discard()

    def fitted(self, index: faiss.Index) -> faiss.Index:
        """The same vectors in the index type for their count: flat up to ``flat_limit``, IVF above
        it, retrained when the library has grown 4x since its lists were made, and flat again when
        it shrinks below half the limit (the gap keeps a library at the edge from switching back and
        forth). Returns ``index`` itself when it already fits."""
        count = int(index.ntotal)
        if is_ivf(index):
            if count < self.flat_limit // 2:
                return self._flat(index)
            return self._ivf(index) if nlist_for(count) >= 2 * index.nlist else index
        return self._ivf(index) if count > self.flat_limit else index

    def _flat(self, index: faiss.Index) -> faiss.IndexIDMap2:
        ids, vectors = contents(index)
        flat = self.empty(index.d)
        flat.add_with_ids(vectors, ids)
        return flat

    def _ivf(self, index: faiss.Index) -> faiss.IndexIVFFlat:
        return build_ivf(*contents(index), self.nprobe)

    @staticmethod
    def ids(index: faiss.Index | None) -> set[int]:
        return set(contents(index, vectors=False)[0].tolist()) if index is not None else set()

    @staticmethod
    def count(index: faiss.Index | None) -> int:
        return 0 if index is None else int(index.ntotal)

    def search(self, index: faiss.Index | None, query_vector: np.ndarray, k: int,
               allowed: list[int] | None = None) -> list[tuple[int, float]]:
        """(chunk id, cosine) of the nearest vectors; ``allowed`` limits the search to those ids
        (a collection filter) inside FAISS, so k results come back even when most ids are excluded.
        On IVF, a filter whose ids sit outside the lists visited would come back short: then every
        list is visited, which is exact search over the allowed ids."""
        import faiss

        if index is None or index.ntotal == 0 or (allowed is not None and not allowed):
            return []
        query = np.asarray(query_vector, dtype="float32").reshape(1, -1)
        filters = {"sel": faiss.IDSelectorBatch(np.asarray(allowed, dtype="int64"))} if allowed is not None else {}
        params: faiss.SearchParameters | None
        if is_ivf(index):
            # the stubs declare no keyword arguments; the SWIG constructor sets fields from them
            params = faiss.SearchParametersIVF(nprobe=self.nprobe, **filters)  # type: ignore[call-arg]
        else:
            params = faiss.SearchParameters(**filters) if filters else None
        scores, ids = index.search(query, k, params=params)  # a published index never changes: no lock
        if is_ivf(index) and allowed is not None and int((ids[0] >= 0).sum()) < min(k, len(allowed)):
            every_list = faiss.SearchParametersIVF(nprobe=index.nlist, **filters)  # type: ignore[call-arg]  # as above
            scores, ids = index.search(query, k, params=every_list)
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if i >= 0]

    @staticmethod
    def similarities(index: faiss.Index | None, query_vector: np.ndarray, ids: list[int]) -> dict[int, float]:
        """Cosine of the query with the stored vectors of ``ids`` (a lookup by id, no search)."""
        if index is None or not ids:
            return {}
        query = np.asarray(query_vector, dtype="float32").reshape(-1)
        out: dict[int, float] = {}
        for i in ids:
            try:
                out[i] = float(index.reconstruct(int(i)) @ query)
            except RuntimeError:  # not in this index (its vector is being rebuilt)
                continue
        return out


def is_ivf(index: faiss.Index) -> TypeGuard[faiss.IndexIVF]:
    import faiss

    return isinstance(index, faiss.IndexIVF)


def remove_ids(index: faiss.Index, ids: Sequence[int]) -> None:
    """Passed as an id array, not an ``IDSelector``: faiss's wrapper then picks the selector the
    index needs (an IVF index with a hashtable direct map takes only ``IDSelectorArray``)."""
    index.remove_ids(np.array(ids, dtype="int64"))  # type: ignore[arg-type]  # the stubs take only IDSelector


def nlist_for(count: int) -> int:
    """Lists for ``count`` vectors, never so many that k-means has under 39 points per list."""
    return max(1, min(int(NLIST_PER_SQRT * math.sqrt(count)), count // MIN_TRAIN_PER_LIST))


def build_ivf(ids: np.ndarray, vectors: np.ndarray, nprobe: int = NPROBE) -> faiss.IndexIVFFlat:
    """An ``IndexIVFFlat`` (inner product) over ``vectors`` keyed by ``ids``. k-means trains on a
    sample of ``TRAIN_PER_LIST`` vectors per list, which bounds the one-off cost of the switch."""
    import faiss

    dimension = vectors.shape[1]
    ivf = faiss.IndexIVFFlat(faiss.IndexFlatIP(dimension), dimension, nlist_for(len(ids)),
                             faiss.METRIC_INNER_PRODUCT)
    ivf.cp.max_points_per_centroid = TRAIN_PER_LIST
    ivf.train(np.ascontiguousarray(vectors, dtype="float32"))
    # reconstruct and remove by chunk id; the stubs leave DirectMap out (they type the map as Any)
    ivf.set_direct_map_type(faiss.DirectMap.Hashtable)  # type: ignore[attr-defined]
    ivf.add_with_ids(np.ascontiguousarray(vectors, dtype="float32"), np.asarray(ids, dtype="int64"))
    ivf.nprobe = nprobe
    return ivf


@overload
def contents(index: faiss.Index, vectors: Literal[True] = True) -> tuple[np.ndarray, np.ndarray]: ...
@overload
def contents(index: faiss.Index, vectors: Literal[False]) -> tuple[np.ndarray, None]: ...
def contents(index: faiss.Index, vectors: bool = True) -> tuple[np.ndarray, np.ndarray | None]:
    """Every (chunk id, vector) of a flat ``IndexIDMap2`` or an ``IndexIVFFlat``, to rebuild the
    index as another type; with ``vectors=False`` only the ids (the crash reconciliation asks at
    every open and write, and copying every vector for it would double the index's memory)."""
    import faiss
    from faiss.contrib.inspect_tools import get_flat_data, get_invlist

    if not is_ivf(index):
        flat = cast("faiss.IndexIDMap2", index)  # the one other type this module makes
        ids = faiss.vector_to_array(flat.id_map).astype("int64")
        return ids, (get_flat_data(faiss.downcast_index(flat.index)) if vectors else None)
    invlists = index.invlists
    assert invlists is not None  # an IVF index owns its lists
    if vectors:
        lists = [get_invlist(invlists, n) for n in range(index.nlist)]
        codes = np.concatenate([c for _, c in lists])
        return (np.concatenate([i for i, _ in lists]).astype("int64"),
                np.ascontiguousarray(codes.view("float32").reshape(-1, index.d)))
    return np.concatenate([_list_ids(invlists, n) for n in range(index.nlist)]), None


def _list_ids(invlists: faiss.InvertedLists, n: int) -> np.ndarray:
    """The ids of one inverted list, copied the way ``faiss.contrib.inspect_tools.get_invlist``
    does, without its codes."""
    import faiss

    out = np.zeros(invlists.list_size(n), dtype="int64")
    if len(out):
        ids = invlists.get_ids(n)
        try:
            faiss.memcpy(faiss.swig_ptr(out), ids, out.nbytes)
        finally:
            invlists.release_ids(n, ids)  # type: ignore[attr-defined]  # in faiss, missing from its stubs
    return out
