"""Streamlit glue shared by the pages: process-wide resources and small renderers.

Kept out of ``pages/`` because Streamlit turns every file there into a page, and out of
``core/`` because core never imports Streamlit.
"""
