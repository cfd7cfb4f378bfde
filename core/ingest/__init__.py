"""Turning files into pages, pages into chunks, and chunks into library rows."""
