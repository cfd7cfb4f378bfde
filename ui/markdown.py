"""User text inside Streamlit Markdown: file names, collection names and messages that quote them.

Streamlit renders the body of ``st.error``, ``st.success``, spinners, progress text and button labels as
GitHub-flavoured Markdown, with images, links, HTML-like autolinks, KaTeX (``$``) and its own
``:red[…]`` / ``:material/icon:`` / emoji shortcodes. A file named ``![x](http://host/b.png).pdf``
would make every browser showing it fetch that URL (a privacy leak); a backslash before each special
character makes any name show exactly as typed. Escapes do not stop GFM's bare links (``www.host``,
``a@b.c``: Streamlit finds them after escapes are resolved), so pages show user text through
``ui.render.inert_text``, which adds that on top of this.
"""

from __future__ import annotations

# CommonMark lets any ASCII punctuation be backslash-escaped; these are the ones that start or close
# something in GFM or in Streamlit's extensions ("." and "-" for ordered/bulleted lists and autolinks
# like www.example.com, "&" for entities, ":" for shortcodes and link schemes, "$" for math).
SPECIAL = frozenset("\\`*_{}[]()#+-.!|<>~:$&=")


def escape_markdown(text: str) -> str:
    """``text`` as Markdown that renders as exactly that text, never as a link, image or format."""
    return "".join("\\" + ch if ch in SPECIAL else ch for ch in str(text))
