"""Passages rendered as escaped Markdown: user text never becomes markup, rows stay rows. Model
output rendered as inert Markdown: its formatting is kept, nothing in it can fetch or link."""

import re

import pytest
from markdown_it import MarkdownIt

from ui.render import WORD_JOINER, inert_markdown, inert_text
from ui.sources import _highlighted

GFM = MarkdownIt("commonmark").enable(["table", "strikethrough"])
BEACON = "http://127.0.0.1:9"
HOSTILE = [
    f"![b]({BEACON}/image.png)",
    f'![b]({BEACON}/image.png "title") and [link]({BEACON}/link)',
    f"![a][r]\n\n[r]: {BEACON}/reference.png",
    f"[1]\n\n[1]: {BEACON}/citation-made-link",
    f"<{BEACON}/autolink> and <me@example.com>",
    f'<img src="{BEACON}/html.png"> and <a href="{BEACON}">x</a>',
    f'<div>\n<img src="{BEACON}/block.png">\n</div>',
    f"{BEACON}/bare and www.example.com and https://example.com/x",
    "mail me@example.com or mailto:me@example.com, WWW.EXAMPLE.COM, HTTPS://EXAMPLE.COM",
    f"- item ![b]({BEACON}/in-list.png)\n\n> quote [l]({BEACON}/in-quote)",
    f"| a | b |\n|---|---|\n| ![b]({BEACON}/cell.png) | [l]({BEACON}/cell) |",
    f"**bold ![b]({BEACON}/in-bold.png)** *[l]({BEACON}/in-em)*",
    f"# heading ![b]({BEACON}/heading.png)",
    f"[![nested]({BEACON}/nested.png)]({BEACON}/outer)",
    f"&lt;img src={BEACON}/entity.png&gt; &#33;[e]({BEACON}/entity-bang.png)",
    f"\\![escaped]({BEACON}/escaped.png)",
    f":red[x] :material/home: :smile: $x^2$ ![b](<{BEACON}/angle.png>)",
]


def live_markup(markdown: str) -> list[str]:
    """What Streamlit's Markdown (CommonMark + GFM) would make of ``markdown`` that fetches or links:
    images, links, raw HTML, and the bare URLs and email addresses GFM turns into links. GFM finds
    those in the text once escapes are resolved (``http\\://x`` is a link in Chromium), so they are
    looked for in the text as shown."""
    shown = re.sub(r"\\(.)", r"\1", markdown)
    found = re.findall(r"(?i)https?://|www\.|[-.\w+]+@[-\w]+\.", shown)

    def walk(tokens) -> None:
        for token in tokens:
            if token.type in ("image", "link_open", "html_inline", "html_block"):
                found.append(f"{token.type} {token.attrs}")
            walk(token.children or [])

    walk(GFM.parse(markdown))
    return found


def test_passage_markup_is_escaped_and_line_breaks_are_kept():
    assert _highlighted("**bold** <b>x</b>\nnext", "") == "\\*\\*bold\\*\\* \\<b\\>x\\</b\\>  \nnext"


def test_used_lines_are_marked_and_the_rest_is_plain():
    out = _highlighted("H | P\nTexas | 21,550\nUtah | 1", "It is 21,550 [1].")
    assert out == "H \\| P  \n:orange-background[Texas \\| 21,550]  \nUtah \\| 1"


def test_a_hostile_passage_is_inert():
    passage = "\n".join(HOSTILE)
    assert live_markup(_highlighted(passage, "")) == []
    assert live_markup(_highlighted(passage, "image png link html block bare")) == []


@pytest.mark.parametrize("text", HOSTILE)
def test_images_links_and_html_in_model_output_render_inert_and_show_as_typed(text):
    out = inert_markdown(text)
    assert live_markup(out) == []
    shown = GFM.render(out)
    assert BEACON.removeprefix("http://") in shown or "example.com" in shown or ":red" in shown  # not dropped


@pytest.mark.parametrize("name", ["www.example.com.pdf", "me@example.com.txt", "![x](http:)[y].md", "a_b*c`d.txt"])
def test_names_show_as_typed_and_never_link(name):
    shown = inert_text(name)
    assert live_markup(shown) == []
    assert re.sub(r"\\(.)", r"\1", shown).replace(WORD_JOINER, "") == name


def test_every_partial_answer_while_it_streams_is_inert():
    answer = f"Built in **1874** [1]. ![b]({BEACON}/x.png) [l]({BEACON}) <img src='{BEACON}'> ![a][r]\n\n[r]: {BEACON}"
    assert [n for n in range(len(answer) + 1) if live_markup(inert_markdown(answer[:n]))] == []


BENIGN = """\
Setext heading
==============

### It was built in **1874** [1], of *grey* _granite_ and ~~wood~~ [2, 3].
Line one\\
line two with `code` and ``a `tick` inside`` and `` ` ``.

3. third
4. fourth
   - nested *item*

     with a second paragraph

> a quote with **bold**
>
> > and a nested one

| State | Permits |
|:------|--------:|
| Texas | 21,550  |
| `a|b` | 1 \\| 2  |

```python
print("![not an image](x)")
```

    indented code ![x](y)

---
Entities: &amp; &copy; and a literal \\*star\\* and 3.5 < 4 > 2.
"""


def test_ordinary_formatting_renders_exactly_as_before():
    assert GFM.render(inert_markdown(BENIGN)) == GFM.render(BENIGN)


def test_rendering_is_stable():
    once = inert_markdown(BENIGN + "\n".join(HOSTILE))
    assert inert_markdown(once) == once
