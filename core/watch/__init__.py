"""Watched folders kept in sync with the library (issue 20, docs/decisions/016-watched-folders.md).

config: the watch list (this machine's folders) · state: what the last pass saw of each file (a cache) ·
filters + scan: which files of a folder count · naming: a library name that replaces no other file's ·
sync: one pass · runner: passes at start-up and on every change (watchdog) · cli: ``python -m core watch``.
"""
