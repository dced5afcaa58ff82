"""The mirror post format: Article ⇄ post text, and the post's file name.

Pure functions only. The format is the one existing mirrors write (see tests/fixtures/000_48fe70f85b61edb0.txt);
we deviate from it only where the input would otherwise break the file: YAML that would not parse back to the
same value, Liquid that Jekyll would execute, Markdown that would swallow the title line, file names that some
file system refuses.
"""

from __future__ import annotations

import html
import re
import unicodedata
from datetime import UTC, date, datetime, timedelta
from functools import cache

from newsmirror.models import Article, Post
from newsmirror.urlsafety import is_http_url


@cache
def _yaml_loader() -> type:
    """PyYAML's safe loader, imported on first read: writing posts (and a run that reads none) never needs it."""
    import yaml

    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the C loader is ~10x faster where libyaml exists

TITLE_CHARS_IN_NAME = 50
MAX_NAME_BYTES = 255
_SUFFIX_ROOM = 8  # bytes kept free for "-NNNN" collision suffixes

# ---------------------------------------------------------------------------------------------------------------
# YAML scalars

# Characters YAML may not hold literally, or folds as line breaks, inside a double-quoted scalar.
_YAML_NEEDS_ESCAPE = re.compile(
    "[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff\ud800-\udfff\"\\\\\t]"
)
_YAML_NAMED_ESCAPES = {
    "\\": "\\\\",
    '"': '\\"',
    "\n": "\\n",
    "\t": "\\t",
    "\r": "\\r",
    "\x00": "\\0",
    "\x85": "\\N",
    "\u2028": "\\L",
    "\u2029": "\\P",
}


def _escape_yaml_char(match: re.Match[str]) -> str:
    char = match.group()
    named = _YAML_NAMED_ESCAPES.get(char)
    if named is not None:
        return named
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def yaml_quoted(value: str) -> str:
    """A YAML double-quoted scalar that parses back to exactly `value` (YAML 1.1 and 1.2, Psych and PyYAML)."""
    return '"' + _YAML_NEEDS_ESCAPE.sub(_escape_yaml_char, value) + '"'


# A plain scalar is kept when it cannot be read as anything but this same string.
_PLAIN_FIRST_CHAR_FORBIDDEN = set("-?:,[]{}#&*!|>'\"%@` \t")
_YAML_SPECIAL_PLAIN = re.compile(
    r"""^(?:
        ~|null|Null|NULL
      | y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF
      | [-+]?(?:\.[0-9_]+|[0-9][0-9_,]*(?:\.[0-9_]*)?)(?:[eE][-+]?[0-9]+)?
      | [-+]?0b[01_]+|[-+]?0x[0-9a-fA-F_]+|[-+]?0o?[0-7_]+
      | [-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?
      | [-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)
      | [0-9]{4}-[0-9]{1,2}-[0-9]{1,2}.*
      | <<|=
    )$""",
    re.VERBOSE,
)


def _plain_is_safe(value: str, in_flow: bool) -> bool:
    if not value or value[0] in _PLAIN_FIRST_CHAR_FORBIDDEN or value[-1] in " \t:":
        return False
    if ": " in value or " #" in value or _YAML_NEEDS_ESCAPE.search(value) or "'" in value:
        return False
    if in_flow and any(c in value for c in ",[]{}:?#"):
        return False
    return _YAML_SPECIAL_PLAIN.match(value) is None


def yaml_scalar(value: str, in_flow: bool = False) -> str:
    """Plain when that is unambiguous (the common case and the golden format), double-quoted otherwise."""
    return value if _plain_is_safe(value, in_flow) else yaml_quoted(value)


def yaml_flow_list(values: list[str]) -> str:
    return "[ " + ", ".join(yaml_scalar(v, in_flow=True) for v in values) + " ]"


# ---------------------------------------------------------------------------------------------------------------
# Liquid and Markdown safety

_LIQUID_OPENER = re.compile(r"\{(?=[{%])")
_LIQUID_BRACE = '{{ "{" }}'  # Liquid outputs a literal "{": works in Liquid 3 and 4 (Jekyll 3.x and 4.x)


def escape_liquid(text: str) -> str:
    """Make `{{` and `{%` show literally under Jekyll: every "{" that would open a tag is emitted by Liquid itself."""
    return _LIQUID_OPENER.sub(_LIQUID_BRACE, text) if "{" in text else text


def unescape_liquid(text: str) -> str:
    return text.replace(_LIQUID_BRACE, "{") if _LIQUID_BRACE in text else text


def liquid_unsafe(body: str) -> bool:
    """True when the body holds a `{{` or `{%` that Jekyll would execute (escape_liquid writes none)."""
    cleaned = body.replace(_LIQUID_BRACE, "")
    return "{{" in cleaned or "{%" in cleaned


# The link line `[title](target)`. Kramdown (GFM input, as Jekyll runs it) reads it right below the `<!--millis-->`
# comment, not after a blank line, so it is never a header or a table: only span syntax and the line-start link and
# footnote definitions can change it. A title character is escaped only where kramdown would otherwise read it as
# syntax (README "The link line"; tests/site/test_link_line.py renders every rule with real Jekyll).
_LINE_BREAKS = re.compile(r"[\r\n\x0b\x0c\x1c-\x1e\x85\u2028\u2029]+")
_KRAMDOWN_ESCAPABLE = frozenset("\\.*_+`<>()[]{}#!:|\"'$=-~")  # kramdown-parser-gfm's ESCAPED_CHARS_GFM
_RUBY_SPACE = frozenset(" \t\r\n\x0b\x0c")  # Ruby's \s: kramdown opens no emphasis before one
_ENTITY_LIKE = re.compile(r"&(?:[\w:][-\w.:]*|#[0-9]+|#x[0-9a-fA-F]+);", re.ASCII)  # kramdown's HTML_ENTITY_RE
_CARET = "&#94;"  # `^` has no backslash escape; after a `[` it would start a footnote marker


def _lone_brackets(text: str) -> set[int]:
    """Where the `[` and `]` are that kramdown pairs with no other: a lone `]` would end the link text, a lone `[`
    would keep it from closing."""
    opened: list[int] = []
    lone: set[int] = set()
    for i, char in enumerate(text):
        if char == "[":
            opened.append(i)
        elif char == "]":
            if opened:
                opened.pop()
            else:
                lone.add(i)
    return lone.union(opened)


def _followed_later(text: str, rest: str) -> list[bool]:
    """For each `*` and `_`: whether another of the same follows on the line (an emphasis needs its closer)."""
    seen = {char for char in rest if char in "*_"}
    later = [False] * len(text)
    for i in range(len(text) - 1, -1, -1):
        if text[i] in "*_":
            later[i] = text[i] in seen
            seen.add(text[i])
    return later


class _LinkText:
    """What kramdown would read as syntax in one title, known before any character is written."""

    def __init__(self, text: str, target: str) -> None:
        line = f"{text}]({target})"
        self.text = text
        self.lone = _lone_brackets(text)
        self.later = _followed_later(text, line[len(text) :])
        self.first_close = text.find("]")
        self.code_pairs = text.count("`") >= 2  # the target has none: markdown_link_target encodes them
        self.math_pairs = line.count("$$") >= 2
        self.strike_pairs = line.count("~~") >= 2

    def backslashed(self, i: int) -> bool:
        text, char = self.text, self.text[i]
        after = text[i + 1 : i + 2]
        match char:
            case "\\":  # it would escape what follows (the link's own `]` at the end)
                return after == "" or after in _KRAMDOWN_ESCAPABLE
            case '"' | "'":  # smart quotes: kramdown curls every one
                return True
            case "[" | "]":
                return i in self.lone
            case "!":  # `![x](y)` is an image
                return after == "[" and i + 1 not in self.lone
            case ":":  # `[a]: b` as the line's start is a link definition: the line would vanish
                return i == self.first_close + 1 and self.first_close >= 0
            case "{":  # `{:` opens an attribute list or an extension
                return after == ":"
            case "<":  # a tag, a comment, an autolink or `<<`; `<` before a space or at the end is text
                return after != "" and after not in _RUBY_SPACE
            case ">" | "-":  # `>>` is », `--` and `---` are dashes
                return after == char
            case ".":  # `...` is …
                return text.startswith("..", i + 1)
            case "`":
                return self.code_pairs
            case "$":  # `$$x$$` is math
                return self.math_pairs and after == "$"
            case "~":  # `~~x~~` is struck through
                return self.strike_pairs and after == "~"
            case "*" | "_":  # an opener: a closer follows, no space does, and a `_` is not inside a word
                word = char == "_" and i > 0 and text[i - 1].isalpha()
                return self.later[i] and after not in _RUBY_SPACE and not word
        return False

    def written(self, i: int) -> str:
        char = self.text[i]
        if char == "&" and _ENTITY_LIKE.match(self.text, i):
            return "&amp;"  # `&lt;` shows as those four characters, not as `<`
        if char == "^" and (i == 0 or self.text[i - 1] == "["):
            return _CARET
        return "\\" + char if self.backslashed(i) else char


def markdown_link_text(title: str, target: str = "") -> str:
    """The title as the text of the link line `[text](target)`: one line, which kramdown shows as the title itself
    (no markup, no typography) with as few escapes as that takes; `target` is the line's own (markdown_link_target)."""
    text = _LINE_BREAKS.sub(" ", title)
    facts = _LinkText(text, target)
    return "".join(facts.written(i) for i in range(len(text)))


_LINK_TEXT_ESCAPE = re.compile(
    "\\\\([" + re.escape("".join(sorted(_KRAMDOWN_ESCAPABLE))) + "])|" + _ENTITY_LIKE.pattern, re.ASCII
)


def _unescaped(match: re.Match[str]) -> str:
    return match.group(1) if match.group(1) is not None else html.unescape(match.group())


def markdown_link_title(text: str) -> str:
    """The title a link line's text stands for: its backslash escapes and character references undone, one pass,
    as kramdown reads them (the inverse of markdown_link_text; for a post whose header lost its title)."""
    return _LINK_TEXT_ESCAPE.sub(_unescaped, text) if ("\\" in text or "&" in text) else text


_URL_UNSAFE = re.compile(r"[\x00-\x20()<>{}\x7f\"'`|\\^]")


def markdown_link_target(url: str) -> str:
    """The address as the target of the title line's `[title](target)`, which kramdown makes a live link.

    Only an http(s) address (as a browser reads it: urlsafety.is_http_url) is a target; anything else gives an empty
    one, as for an article without a link. Characters that would end or break the target are percent-encoded, and
    every `&` is written `&amp;`: kramdown copies a character reference such as `&#58;` or `&colon;` into the href
    as it stands and the browser decodes it, while `&amp;` reaches the browser as `&`, so the href is the address
    exactly as written (`?a=1&amp;b=2` is read `?a=1&b=2`, `&#58;` stays those five characters)."""
    if not is_http_url(url):
        return ""
    return _URL_UNSAFE.sub(lambda m: f"%{ord(m.group()):02X}", url).replace("&", "&amp;")


def markdown_link_line(title: str, link: str) -> str:
    """The post body's `[title](link)` line."""
    target = markdown_link_target(link)
    return f"[{markdown_link_text(title, target)}]({target})"


# ---------------------------------------------------------------------------------------------------------------
# Content

_CONTROL_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def join_content_lines(html: str) -> str:
    """The mirror format's body: every line stripped, the lines joined with nothing between them."""
    html = _CONTROL_CHARS.sub("", html)
    return "".join(line.strip() for line in html.splitlines())


# ---------------------------------------------------------------------------------------------------------------
# Dates


def format_date(moment: datetime) -> str:
    """`2023-10-28T18:43:48.000Z`, as JavaScript's Date.toISOString() writes it."""
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S") + f".{utc.microsecond // 1000:03d}Z"


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def epoch_millis(moment: datetime) -> int:
    return (moment - _EPOCH) // timedelta(milliseconds=1)


# ---------------------------------------------------------------------------------------------------------------
# The post


def render_post(article: Article) -> str:
    tags = article.tags or [article.source]
    categories = article.categories or [article.source]
    title_line = markdown_link_line(article.title, article.link)
    body = (
        f"<!--{epoch_millis(article.date)}-->\n"
        f"{title_line}\n"
        "------\n"
        "\n"
        "<div>\n"
        f"{join_content_lines(article.content)}\n"
        "</div>\n"
    )
    return (
        "---\n"
        "layout: post\n"
        f"title: {yaml_quoted(article.title)}\n"
        f"date: {format_date(article.date)}\n"
        f"author: {yaml_scalar(article.author)}\n"
        f"from: {yaml_scalar(article.link)}\n"
        f"tags: {yaml_flow_list(tags)}\n"
        f"comments: {'True' if article.comments else 'False'}\n"
        f"categories: {yaml_flow_list(categories)}\n"
        "---\n"
    ) + escape_liquid(body)


class PostFormatError(ValueError):
    """A post whose header or body cannot be read; the message says why."""


def _inside_div(body: str) -> str | None:
    r"""What `<div>\n(.*)\n</div>\n?\Z` (DOTALL) finds first in `body`, or None. From the first "<div>\n" only:
    were it not the one, no later one would be. On str.find rather than a regular expression: the expression's
    scan for that first "<div>\n" cost ~3 ms a real post (twice a post in a full build: read, then rendered)."""
    start = body.find("<div>\n")
    if start < 0:
        return None
    start += len("<div>\n")
    for closing in ("\n</div>\n", "\n</div>"):
        if body.endswith(closing) and len(body) - len(closing) >= start:
            return body[start : len(body) - len(closing)]
    return None


def split_front_matter(text: str) -> tuple[str, str]:
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text.startswith("---"):
        raise PostFormatError("no YAML front matter (the file does not start with ---)")
    end = text.find("\n---", 3)
    while end != -1 and text[end + 4 : end + 5] not in ("\n", "\r", ""):
        end = text.find("\n---", end + 4)
    if end == -1:
        raise PostFormatError("the YAML front matter is not closed by a --- line")
    header = text[text.index("\n") + 1 : end + 1] if "\n" in text[: end + 1] else ""
    body_start = text.find("\n", end + 4)
    body = "" if body_start == -1 else text[body_start + 1 :]
    return header, body


def parse_front_matter(header: str) -> dict:
    import yaml

    try:
        data = yaml.load(header, Loader=_yaml_loader())
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 2}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise PostFormatError(f"the YAML header does not parse{where}: {problem}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise PostFormatError("the YAML header is not a mapping")
    return data


def as_datetime(value: object) -> datetime | None:
    """A front-matter date as a UTC-aware datetime: a timestamp, a bare date (as Jekyll reads `date: 2023-01-01`),
    or an ISO string; None for anything else."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00").replace("z", "+00:00"))  # RFC 3339 allows z
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return None


def as_list(value: object) -> list[str]:
    """A front-matter value as a list of strings (`tags: x` and `tags: [x]` alike)."""
    if value is None:
        return []
    if isinstance(value, list):
        return [str(v) for v in value if v is not None]
    return [str(value)]


def body_content(body: str) -> str:
    """The article HTML of a post's body: inside the mirror format's <div>, else the whole body; Liquid escapes
    undone."""
    if "\r\n" in body:  # a post checked out with CRLF line ends (git's core.autocrlf on Windows)
        body = body.replace("\r\n", "\n")
    inside = _inside_div(body)
    return unescape_liquid(body if inside is None else inside)


def post_content(text: str) -> str:
    """A whole post file's article HTML, without reading its YAML header (for callers that have it already)."""
    return body_content(split_front_matter(text)[1])


def source_of(front_matter: dict) -> str:
    """A post's source as the mirror format records it: the first category, else the first tag."""
    categories = as_list(front_matter.get("categories"))
    tags = as_list(front_matter.get("tags"))
    return categories[0] if categories else (tags[0] if tags else "")


def read_front_matter(path) -> dict:
    """The front matter of a post file, from its first 64 KB; raises OSError or PostFormatError."""
    with open(path, "rb") as handle:
        head = handle.read(64 * 1024)
    header, _ = split_front_matter(head.decode("utf-8", errors="replace"))
    return parse_front_matter(header)


def parse_post(text: str, path=None) -> Post:
    """Read a post written by newsmirror or by an older mirror tool. Raises PostFormatError when it cannot."""
    header, body = split_front_matter(text)
    data = parse_front_matter(header)
    date = as_datetime(data.get("date"))
    content = body_content(body)
    categories = as_list(data.get("categories"))
    tags = as_list(data.get("tags"))
    source = source_of(data)
    title = data.get("title")
    return Post(
        path=path,
        title="" if title is None else str(title),
        date=date,
        author="" if data.get("author") is None else str(data.get("author")),
        link="" if data.get("from") is None else str(data.get("from")),
        source=source,
        content=content,
        tags=tags,
        categories=categories,
        comments=bool(data.get("comments", True)),
        front_matter=data,
    )


# ---------------------------------------------------------------------------------------------------------------
# File names

# Windows refuses these in names; full-width look-alikes keep the title readable everywhere the archive is cloned.
_WINDOWS_RESERVED = str.maketrans({'\\': "＼", ":": "：", "*": "＊", "?": "？", '"': "＂", "<": "＜", ">": "＞", "|": "｜"})
# A title never holds these (ingest.articles.title_text, the rule for every title, takes them out): a guard only for
# an Article made some other way, so that no name holds a line break or a byte Windows refuses.
_NAME_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ufeff\ud800-\udfff]")


_SLUG_PUNCTUATION = frozenset("._~!$&'()+,;=@")


def jekyll_slug_keeps(char: str) -> bool:
    """Whether Jekyll's pretty slugify keeps `char`: SLUGIFY_PRETTY_REGEXP = [^\\p{M}\\p{L}\\p{Nd}._~!$&'()+,;=@]+ ;
    Python's re has no \\p{..}, unicodedata does."""
    if char in _SLUG_PUNCTUATION:
        return True
    category = unicodedata.category(char)
    return category[0] in "LM" or category == "Nd"


def _jekyll_slug_keeps_something(title_part: str) -> bool:
    """Whether Jekyll's slug of the name's title part is non-empty, once the trailing dots Jekyll drops are gone."""
    return any(jekyll_slug_keeps(c) for c in title_part.rstrip("."))


def _truncate_utf8(text: str, max_bytes: int) -> str:
    encoded = text.encode("utf-8")
    if len(encoded) <= max_bytes:
        return text
    return encoded[:max_bytes].decode("utf-8", errors="ignore")


def name_title_part(title: str) -> str:
    part = title[:TITLE_CHARS_IN_NAME].replace("/", "--")
    if _NAME_CONTROL.search(part) or any(c in part for c in '\\:*?"<>|'):
        part = _NAME_CONTROL.sub(" ", part).translate(_WINDOWS_RESERVED)
    if part.strip() in ("", ".", "..") or not _jekyll_slug_keeps_something(part):
        part = "untitled"  # Jekyll would make an empty slug of it (a warning, and a post at "/YYYY/MM/DD/.html")
    return _truncate_utf8(part, MAX_NAME_BYTES - len("YYYY-MM-DD-") - len(".md") - _SUFFIX_ROOM)


def post_filename(article: Article, suffix: int = 1) -> str:
    """`2023-10-28-<first 50 characters of the title>.md`, `/` as `--`; `suffix` > 1 adds `-N` for collisions. Every
    other character of the title stays, white space of every kind included (the README's rules for file names)."""
    stem = f"{article.date.astimezone(UTC):%Y-%m-%d}-{name_title_part(article.title)}"
    return f"{stem}.md" if suffix <= 1 else f"{stem}-{suffix}.md"
