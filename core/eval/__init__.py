"""Retrieval evaluations: gold questions with the file and page that answer them, and their metrics."""
