"""Where each page lives: every URL and output path rule of the built site.

Posts follow Jekyll's permalink rules, reproduced so both builders put a post at the same URL: the scaffold's
_config.yml sets `permalink: /:year/:month/:day/:title:output_ext` and `timezone: UTC`; `:title` is
Jekyll::Utils.slugify(slug, mode: "pretty", cased: true) of the file name's title part (jekyll
lib/jekyll/utils.rb, document.rb#populate_title, drops/url_drop.rb#title). Then the list pages (front page,
sources, tags, months), feeds, sitemap, extra pages and the stylesheet.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from functools import lru_cache
from urllib.parse import quote

from newsmirror.archive.indexes import list_file_name
from newsmirror.archive.postformat import jekyll_slug_keeps

PERMALINK = "/:year/:month/:day/:title:output_ext"

# Jekyll's DATE_FILENAME_MATCHER: `YYYY-MM-DD-slug.ext`, the slug being everything up to the last dot.
_DATE_FILENAME = re.compile(r"^(\d{2,4}-\d{1,2}-\d{1,2})-([^/]*)(\.[^.]+)$")


@lru_cache(maxsize=65536)
def jekyll_slugify_pretty(text: str) -> str:
    """Jekyll::Utils.slugify(text, mode: "pretty", cased: true)."""
    out: list[str] = []
    in_run = False
    for char in text:
        if jekyll_slug_keeps(char):
            out.append(char)
            in_run = False
        elif not in_run:
            out.append("-")
            in_run = True
    slug = "".join(out)
    # Ruby's gsub!(/^-|-$/) with line anchors; no newline survives the replacement above, so: one at each end.
    if slug.startswith("-"):
        slug = slug[1:]
    if slug.endswith("-"):
        slug = slug[:-1]
    return slug


def filename_parts(filename: str) -> tuple[str | None, str]:
    """(date part or None, slug) of a post file name, as Jekyll's Document#populate_title reads it."""
    match = _DATE_FILENAME.match(filename)
    if match:
        date, slug = match.group(1), match.group(2)
    else:
        date, slug = None, filename.rsplit(".", 1)[0] if "." in filename else filename
    return date, slug.rstrip(".")  # "slugs shouldn't end with a period"


def post_url(filename: str, date: datetime, front_matter: dict | None = None) -> str:
    """The decoded URL path of a post (what Jekyll writes under _site/), e.g. /2023/10/28/布林肯….html."""
    front_matter = front_matter or {}
    permalink = front_matter.get("permalink")
    if isinstance(permalink, str) and permalink.strip():
        url = permalink.strip()
        return url if url.startswith("/") else "/" + url
    slug_value = front_matter.get("slug")
    slug = str(slug_value) if slug_value is not None else filename_parts(filename)[1]
    utc = date.astimezone(UTC)
    return f"/{utc:%Y}/{utc:%m}/{utc:%d}/{jekyll_slugify_pretty(slug)}.html"


def filename_date(filename: str) -> datetime | None:
    date, _ = filename_parts(filename)
    if date is None:
        return None
    try:
        year, month, day = (int(x) for x in date.split("-"))
        return datetime(year, month, day, tzinfo=UTC)
    except ValueError:
        return None


def with_suffix(url: str, n: int) -> str:
    """The n-th post at one URL gets `-n` before the extension (what Jekyll would silently overwrite)."""
    stem, dot, ext = url.rpartition(".")
    return f"{stem}-{n}.{ext}" if dot and "/" not in ext else f"{url}-{n}"


def href(url: str, baseurl: str = "") -> str:
    """A decoded site path as an href: percent-encoded like Jekyll's URL.escape_path, with the baseurl."""
    return quote(baseurl + url, safe="/-._~!$&'()*+,;=:@")


def output_path(url: str) -> str:
    """The file under _site/ for a decoded URL path (directories get index.html). `..` cannot climb out of the
    site: a post's `permalink: /../../x.html` lands at x.html, as Jekyll's URL sanitizing puts it too."""
    directory = url.endswith("/") or not url.strip("/")
    path = posixpath.normpath("/" + url.replace("\\", "/")).lstrip("/")
    if path in ("", "."):
        return "index.html"
    return path + "/index.html" if directory else path


_NAME_UNSAFE = re.compile(r'[\x00-\x1f/\\:*?"<>|#%]')


def page_name(name: str) -> str:
    """A tag or feed name as a file name of the built site: archive.list_file_name's rule, and also without "#" and
    "%", which would break the page's URL (source pages keep list_file_name's names: Jekyll serves lists/*.md)."""
    return _NAME_UNSAFE.sub("_", name).strip(". ") or "_"


# List URLs: number 0 is the front page (the newest posts); number k >= 1 is the k-th page counted from the
# oldest post, so that full pages never change (see lists.write_list).


def source_page_url(source: str, number: int = 0) -> str:
    stem = list_file_name(source)[: -len(".md")]  # lists/<source>.md is the Jekyll page at this URL
    return f"/lists/{stem}.html" if number == 0 else f"/lists/{stem}/page{number}.html"


def tag_page_url(tag: str, number: int = 0) -> str:
    stem = page_name(tag)
    return f"/tags/{stem}.html" if number == 0 else f"/tags/{stem}/page{number}.html"


def month_page_url(month: str, number: int = 0) -> str:
    return f"/archive/{month}.html" if number == 0 else f"/archive/{month}/page{number}.html"


def index_page_url(number: int) -> str:
    return "/" if number == 0 else f"/page/{number}/"  # not Jekyll's /pageN/ (newest-first, every page moves)


SITE_FEED = "feed.xml"  # output paths under _site/ of the site-wide files
ROBOTS = "robots.txt"
STYLESHEET = "assets/style.css"
HANZI_SCRIPT = "assets/hanzi.js"  # the 简/繁 switch (site/hanzi.py)
SITEMAP = "sitemap.xml"  # the sitemap, or the sitemap index when the URLs need several files
SITEMAP_MAX = 50_000  # URLs per sitemap file (the protocol's limit)
PAGE_TEMPLATES = "pages/"  # the template pages/<name>.html is built to /<name>.html


def source_feed_url(source: str) -> str:
    return f"/feed/{page_name(source)}.xml"  # where jekyll-feed puts a category's feed


def sitemap_part(number: int, parts: int) -> str:
    """The output path of the sitemap file `number` (from 1) of `parts`."""
    return SITEMAP if parts <= 1 else f"sitemap-{number}.xml"


def page_output(template: str) -> str:
    """The output path of the extra page rendered from the template `pages/<name>`: `<name>`."""
    return template[len(PAGE_TEMPLATES) :]


SEARCH_BUNDLES = "pagefind"  # the folder under _site/ that holds the Pagefind bundles


def search_bundle_url(bundle: str) -> str:
    """The URL of a Pagefind bundle (a folder, with Pagefind UI's files in the first one)."""
    return f"/{SEARCH_BUNDLES}/{bundle}/"


# What happened to articles after they were mirrored (archive/revisions.py): each later version's page and its
# diff, the list of deleted articles and its feed. The version page's permalink is written into its event file,
# so that Jekyll (the `revisions` collection) puts it at the same address.
DELETED_PAGE = "deleted.html"
DELETED_FEED = "revisions/deleted.xml"  # not under feed/: a source named "deleted" has /feed/deleted.xml


def _revisions_folder(post_name: str) -> str:
    stem, dot, _ext = post_name.rpartition(".")
    return f"/revisions/{jekyll_slugify_pretty(stem if dot else post_name) or '_'}"


def revision_url(post_name: str, version: int, folders: Mapping[str, str] | None = None, earlier: str = "") -> str:
    """The page of version `version` (2, 3, …) of the post in the file `post_name`: beside `earlier` (the page of
    the post's version before, if any), else in a folder of its own. `folders` (a version folder → the post whose
    versions it holds, for the versions recorded so far) keeps two posts whose names slugify alike (`a | b` and
    `a  b`: 2 of the 5,685 real posts) apart: the folder taken first stays its post's, the other post gets the
    first of `…-2`, `…-3`, … that no other post has."""
    if earlier:
        return f"{revision_folder(earlier)}/v{version}.html"
    base = _revisions_folder(post_name)
    folder, n = base, 1
    while folders is not None and folders.get(folder, post_name) != post_name:
        n += 1
        folder = f"{base}-{n}"
    return f"{folder}/v{version}.html"


def revision_folder(permalink: str) -> str:
    """The folder part of a version page's URL (what revision_url's `folders` are keyed by)."""
    return permalink.rpartition("/")[0]

