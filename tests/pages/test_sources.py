"""Passages rendered as escaped Markdown: user text never becomes markup, rows stay rows."""

from ui.sources import _highlighted


def test_passage_markup_is_escaped_and_line_breaks_are_kept():
    assert _highlighted("**bold** <b>x</b>\nnext", "") == "\\*\\*bold\\*\\* \\<b\\>x\\</b\\>  \nnext"


def test_used_lines_are_marked_and_the_rest_is_plain():
    out = _highlighted("H | P\nTexas | 21,550\nUtah | 1", "It is 21,550 [1].")
    assert out == "H \\| P  \n:orange-background[Texas \\| 21,550]  \nUtah \\| 1"
