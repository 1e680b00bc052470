"""The plain paragraphs of an HTML fragment, such as a feed entry's content."""

from __future__ import annotations

_BLOCKS = frozenset("p div li h1 h2 h3 h4 h5 h6 blockquote pre tr table ul ol section article figcaption".split())
_DROPPED = frozenset(("script", "style", "noscript", "iframe", "object", "form", "nav", "aside"))


def fragment_paragraphs(markup: str) -> list[str]:
    """Each block element's words as one paragraph; a <br> is a line break inside one; scripts are dropped."""
    import lxml.etree
    import lxml.html

    if not markup.strip():
        return []
    try:
        root = lxml.html.fragment_fromstring(markup, create_parent="div")
    except (lxml.etree.ParserError, ValueError):
        return [markup]
    for element in list(root.iter()):
        tag = element.tag if isinstance(element.tag, str) else ""
        if tag in _DROPPED or not tag:
            element.drop_tree()
        elif tag in _BLOCKS:
            element.text = "\n\n" + (element.text or "")
            element.tail = "\n\n" + (element.tail or "")
        elif tag == "br":
            element.tail = "\n" + (element.tail or "")
    text: str = root.text_content()
    return [part for part in (" ".join(p.split()) for p in text.split("\n\n")) if part]
