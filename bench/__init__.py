"""Benchmarks: our pipeline vs the raw library call on the same input, measured in one run.

Run each as ``.venv/bin/python -m bench.<name>``; results go to ``bench/results/`` (git-ignored).
"""
