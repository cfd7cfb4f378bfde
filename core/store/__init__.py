"""The library: documents, chunks and vectors behind one contract (``core.store.base.Store``),
opened by ``core.store.opening.open_store``."""
