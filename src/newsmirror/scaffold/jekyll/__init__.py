"""The Jekyll site `newsmirror init` writes around the posts: valid for Jekyll 3.9 (GitHub Pages) and 4.x.

Only plugins GitHub Pages allows (jekyll-feed, jekyll-sitemap, jekyll-paginate). The post URL rule in
_config.yml is the one newsmirror.site.urls reproduces, so both builders put each post at the same address.
"""

from __future__ import annotations

from pathlib import Path

from newsmirror.archive.postformat import yaml_quoted
from newsmirror.scaffold import write_missing

HERE = Path(__file__).parent
FILES = [
    "_config.yml",
    "_layouts/default.html",
    "_layouts/post.html",
    "_layouts/page.html",
    "_layouts/list.html",
    "_includes/comments.html",
    "_includes/history_notice.html",
    "_layouts/revision.html",
    "deleted.html",
    "deleted.xml",  # published at /revisions/deleted.xml (/feed/<name>.xml is a source's feed)
    "index.html",
    "archive.html",
    "tags.html",
    "search.html",
    "404.html",
    "status.html",
]
# A post's body starts with its own `[title](link)` line and a `------` line right under the `<!--…-->` line;
# kramdown (GFM or not) makes them one paragraph "<a>title</a> ——" (no heading: none follows a non-blank line).
# The layout already shows the title as the page heading, so that paragraph is hidden.
KRAMDOWN_CSS = ".kramdown-body > p:first-child:has(> a:first-child){display:none}\n"


def site_files(title: str, description: str = "新闻镜像", url: str = "", baseurl: str = "") -> dict[str, str]:
    """Relative path → text of every Jekyll file."""
    files = {}
    for name in FILES:
        text = (HERE / name).read_text(encoding="utf-8")
        if name == "_config.yml":
            text = (
                text.replace("__TITLE__", yaml_quoted(title))
                .replace("__DESCRIPTION__", yaml_quoted(description))
                .replace("__URL__", yaml_quoted(url.rstrip("/")))
                .replace("__BASEURL__", yaml_quoted(baseurl.rstrip("/")))
            )
        files[name] = text
    css = (HERE.parent.parent / "site" / "static" / "style.css").read_text(encoding="utf-8")
    files["assets/style.css"] = css + KRAMDOWN_CSS
    from newsmirror.site.hanzi import hanzi_script

    files["assets/hanzi.js"] = hanzi_script()  # the 简/繁 switch, as newsmirror build's pages have it
    return files


def write_jekyll_site(root: Path, title: str, force: bool = False, **site: str) -> list[Path]:
    """Write the Jekyll files that are missing (all of them with `force`); returns those written."""
    return write_missing({root / name: text for name, text in site_files(title, **site).items()}, force)
