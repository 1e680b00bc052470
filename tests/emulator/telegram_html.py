"""Telegram's HTML parse mode, as the Bot API server applies it to ``parse_mode=HTML`` text.

Follows tdlib's ``parse_html``: only the documented tags are allowed, tags must nest properly,
only ``&lt; &gt; &amp; &quot;`` and numeric references are decoded (any other ``&`` stays
literal text, exactly as Telegram keeps it), and a stray ``<`` is an unsupported tag. Error
texts and byte offsets match Telegram's so a bot's error handling sees what it would in
production. Entity offsets and lengths are counted in UTF-16 code units, like the Bot API.
"""

from dataclasses import dataclass, field
from typing import Any

_ALLOWED_TAGS = frozenset("a b strong i em s strike del u ins tg-spoiler tg-emoji span pre code blockquote".split())
_SIMPLE_ENTITY_TYPES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
}
_NAMED_REFERENCES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_SPACES = " \t\r\n\v\0"
_END = "\0"


class HtmlParseError(ValueError):
    """Telegram's reason for refusing markup, e.g. 'Unsupported start tag "p" at byte offset 0'."""


@dataclass
class FormattedText:
    """Plain text as the recipient sees it, with the Bot API entities that style it."""

    text: str
    entities: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class _OpenTag:
    name: str
    argument: str
    utf16_offset: int
    text_offset: int


def utf16_length(text: str) -> int:
    """Length in UTF-16 code units, the unit of Telegram's limits and entity offsets."""
    return len(text.encode("utf-16-le")) // 2


def parse_html(markup: str) -> FormattedText:
    """Convert Telegram HTML to plain text plus entities, or raise HtmlParseError like Telegram."""
    return _HtmlParser(markup).parse()


class _HtmlParser:
    """One pass over the markup; ``pos`` indexes characters, errors report UTF-8 byte offsets."""

    def __init__(self, markup: str) -> None:
        self.markup = markup
        self.pos = 0
        self.text: list[str] = []
        self.text_length = 0
        self.utf16_offset = 0
        self.open_tags: list[_OpenTag] = []
        self.entities: list[dict[str, Any]] = []

    def char(self, pos: int | None = None) -> str:
        index = self.pos if pos is None else pos
        return self.markup[index] if index < len(self.markup) else _END

    def byte_offset(self, pos: int) -> int:
        return len(self.markup[:pos].encode("utf-8"))

    def emit(self, chars: str) -> None:
        self.text.append(chars)
        self.text_length += len(chars)
        self.utf16_offset += utf16_length(chars)

    def parse(self) -> FormattedText:
        while self.pos < len(self.markup):
            current = self.char()
            if current == "&":
                decoded = self.decode_reference()
                if decoded is not None:
                    self.emit(decoded)
                    continue
            if current != "<":
                self.emit(current)
                self.pos += 1
            elif self.char(self.pos + 1) == "/":
                self.close_tag()
            else:
                self.open_tag()
        if self.open_tags:
            raise HtmlParseError(f"Can't find end tag corresponding to start tag {self.open_tags[-1].name}")
        for entity in self.entities:
            if entity["type"] == "code":
                entity.pop("language", None)
        self.entities.sort(key=lambda entity: (entity["offset"], -entity["length"]))
        return FormattedText("".join(self.text), self.entities)

    def decode_reference(self) -> str | None:
        """Decode the reference at ``pos`` and move past it; None leaves the '&' as text."""
        end = self.pos + 1
        if self.char(end) == "#":
            end += 1
            hexadecimal = self.char(end) == "x"
            end += hexadecimal
            digits = "0123456789abcdefABCDEF" if hexadecimal else "0123456789"
            start = end
            while self.char(end) in digits:
                end += 1
            code = int(self.markup[start:end], 16 if hexadecimal else 10) if end > start else 0
            if code == 0 or code >= 0x10FFFF or end - self.pos >= 10:
                return None
            if 0xD800 <= code <= 0xDFFF:
                raise HtmlParseError(
                    "Text contains invalid Unicode characters after decoding HTML entities, "
                    "check for unmatched surrogate code units"
                )
            decoded = chr(code)
        else:
            while self.char(end).isascii() and self.char(end).isalpha():
                end += 1
            named = _NAMED_REFERENCES.get(self.markup[self.pos + 1 : end])
            if named is None:
                return None
            decoded = named
        self.pos = end + 1 if self.char(end) == ";" else end
        return decoded

    def skip_spaces(self) -> None:
        while self.char() != _END and self.char() in _SPACES:
            self.pos += 1

    def open_tag(self) -> None:
        begin = self.pos
        self.pos += 1
        while self.char() not in _SPACES and self.char() != ">":
            self.pos += 1
        if self.char() == _END:
            raise HtmlParseError(f"Unclosed start tag at byte offset {self.byte_offset(begin)}")
        name = self.markup[begin + 1 : self.pos].lower()
        if name not in _ALLOWED_TAGS:
            raise HtmlParseError(f'Unsupported start tag "{name}" at byte offset {self.byte_offset(begin)}')
        argument = ""
        while self.char() != ">":
            self.skip_spaces()
            if self.char() == ">":
                break
            attribute, value = self.read_attribute(name, begin)
            argument = _tag_argument(name, attribute, value, argument)
        self.pos += 1
        if name == "span" and argument != "spoiler":
            raise HtmlParseError(f'Tag "span" must have class "tg-spoiler" at byte offset {self.byte_offset(begin)}')
        self.open_tags.append(_OpenTag(name, argument, self.utf16_offset, self.text_length))

    def read_attribute(self, tag: str, tag_begin: int) -> tuple[str, str | None]:
        """Read ``name=value`` (or the bare ``expandable`` of a blockquote) at ``pos``."""
        start = self.pos
        while self.char() not in _SPACES and self.char() not in "=>":
            self.pos += 1
        attribute = self.markup[start : self.pos]
        offset = self.byte_offset(tag_begin)
        if not attribute:
            raise HtmlParseError(f'Empty attribute name in the tag "{tag}" at byte offset {offset}')
        self.skip_spaces()
        if self.char() != "=":
            if tag == "blockquote" and attribute == "expandable":
                return attribute, None
            raise HtmlParseError(
                f'Expected equal sign in declaration of an attribute of the tag "{tag}" at byte offset {offset}'
            )
        self.pos += 1
        self.skip_spaces()
        if self.char() == _END:
            raise HtmlParseError(f'Unclosed start tag "{tag}" at byte offset {offset}')
        value = self.read_quoted_value() if self.char() in "'\"" else self.read_name_token()
        if self.char() == _END:
            raise HtmlParseError(f"Unclosed start tag at byte offset {offset}")
        return attribute, value

    def read_quoted_value(self) -> str:
        quote = self.char()
        self.pos += 1
        value: list[str] = []
        while self.char() != quote and self.char() != _END:
            if self.char() == "&":
                decoded = self.decode_reference()
                if decoded is not None:
                    value.append(decoded)
                    continue
            value.append(self.char())
            self.pos += 1
        if self.char() == quote:
            self.pos += 1
        return "".join(value)

    def read_name_token(self) -> str:
        start = self.pos
        while _is_name_token_char(self.char()):
            self.pos += 1
        if self.char() not in _SPACES and self.char() != ">":
            raise HtmlParseError(f"Unexpected end of name token at byte offset {self.byte_offset(start)}")
        return self.markup[start : self.pos].lower()

    def close_tag(self) -> None:
        begin = self.pos
        if not self.open_tags:
            raise HtmlParseError(f"Unexpected end tag at byte offset {self.byte_offset(begin)}")
        self.pos += 2
        while self.char() not in _SPACES and self.char() != ">":
            self.pos += 1
        name = self.markup[begin + 2 : self.pos].lower()
        self.skip_spaces()
        if self.char() != ">":
            raise HtmlParseError(f"Unclosed end tag at byte offset {self.byte_offset(begin)}")
        self.pos += 1
        tag = self.open_tags.pop()
        if name and name != tag.name:
            raise HtmlParseError(
                f"Unmatched end tag at byte offset {self.byte_offset(begin)}, "
                f'expected "</{tag.name}>", found "</{name}>"'
            )
        if self.utf16_offset > tag.utf16_offset:
            self.add_entity(tag)

    def add_entity(self, tag: _OpenTag) -> None:
        """Turn a closed tag into its entity; <pre><code class="language-x"> merge into one."""
        offset, length = tag.utf16_offset, self.utf16_offset - tag.utf16_offset
        previous = self.entities[-1] if self.entities else None
        if previous is not None and (previous["offset"], previous["length"]) == (offset, length):
            if tag.name == "pre" and previous["type"] == "code" and "language" in previous:
                previous["type"] = "pre"
                return
            if tag.name == "code" and previous["type"] == "pre" and tag.argument:
                previous["language"] = tag.argument
                return
        entity: dict[str, Any] = {"offset": offset, "length": length}
        if tag.name in _SIMPLE_ENTITY_TYPES:
            entity["type"] = _SIMPLE_ENTITY_TYPES[tag.name]
        elif tag.name == "tg-emoji":
            if not tag.argument.isdigit() or int(tag.argument) == 0:
                raise HtmlParseError("Invalid custom emoji identifier specified")
            entity.update(type="custom_emoji", custom_emoji_id=tag.argument)
        elif tag.name == "a":
            url = tag.argument or "".join(self.text)[tag.text_offset :]
            entity.update(type="text_link", url=url)
        elif tag.name == "blockquote":
            entity["type"] = "expandable_blockquote" if tag.argument else "blockquote"
        elif tag.name == "pre":
            entity["type"] = "pre"
        else:
            entity["type"] = "code"
            if tag.argument:
                entity["language"] = tag.argument
        self.entities.append(entity)


def _tag_argument(tag: str, attribute: str, value: str | None, current: str) -> str:
    """The one attribute of a tag that Telegram keeps (href, language, spoiler class, ...)."""
    if value is None:
        return "expandable"
    if tag == "a" and attribute == "href":
        return value
    if tag == "code" and attribute == "class" and value.startswith("language-"):
        return value.removeprefix("language-")
    if tag == "span" and attribute == "class" and value.startswith("tg-"):
        return value.removeprefix("tg-")
    if tag == "tg-emoji" and attribute == "emoji-id":
        return value
    return current


def _is_name_token_char(char: str) -> bool:
    return char.isascii() and (char.isalnum() or char in ".-")
