"""Language models: which ones this machine can use (in process or on a configured server), how each
backend builds one, one call at a time. The registry is the one list; each backend is one module."""
