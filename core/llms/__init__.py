"""Local language models: which ones exist, how each runtime loads one, one call at a time."""
