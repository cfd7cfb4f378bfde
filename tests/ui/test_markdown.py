"""User text in Streamlit Markdown shows as typed: never an image (a fetch to someone's server), a link,
emphasis, code, a heading, a table, math or an HTML tag."""

import html
import re

import pytest

from ui.markdown import escape_markdown

HOSTILE = [
    "![x](http://127.0.0.1:9/b.png).pdf",
    "[click](http://evil)",
    "<img src=http://127.0.0.1:9/c.png>.txt",
    "<http://evil.example>",
    "# heading | table | row",
    "**bold** _em_ `code` ~~gone~~ $x^2$ :red[alert] :material/home:",
    "1. list & &amp; entity\\ backslash",
    "- bullet + plus = equals",
    "[ref]: http://evil 'title'",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_escaped_text_renders_as_exactly_that_text(text):
    markdown_it = pytest.importorskip("markdown_it")
    rendered = markdown_it.MarkdownIt("commonmark").enable(["table", "strikethrough"]).render(escape_markdown(text))
    assert not re.search(r"<(img|a|em|strong|code|s|del|h\d|table|ol|ul|b)[ >]", rendered), rendered
    assert html.unescape(re.sub(r"<[^>]+>", "", rendered)).strip() == text


def test_plain_text_is_left_alone():
    assert escape_markdown("Marta Quell 보고서 2024") == "Marta Quell 보고서 2024"
