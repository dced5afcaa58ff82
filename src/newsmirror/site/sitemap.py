"""sitemap.xml (split, with a sitemap index, past the protocol's 50,000 URLs per file) and robots.txt."""

from __future__ import annotations

from newsmirror.site.outputs import Outputs, signature
from newsmirror.site.placement import Placement
from newsmirror.site.pool import chunks
from newsmirror.site.urls import ROBOTS, SITEMAP, SITEMAP_MAX, href, sitemap_part

_XMLNS = "http://www.sitemaps.org/schemas/sitemap/0.9"


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def write_sitemap(placement: Placement, site_url: str, base: str, outputs: Outputs) -> None:
    """The front page, every post and every source page; then robots.txt, which points to the sitemap."""
    entries = placement.entries
    urls = [href("/", base), *(entries[r.rel].href for r in placement.ordered), *placement.source_hrefs.values()]
    parts = list(chunks(urls, SITEMAP_MAX))
    names = [sitemap_part(i + 1, len(parts)) for i in range(len(parts))]
    for name, part in zip(names, parts, strict=True):
        body = "".join(f"<url><loc>{_xml(site_url + u)}</loc></url>\n" for u in part)
        text = f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="{_XMLNS}">\n' + body + "</urlset>\n"
        outputs.update(name, signature(text), text)
    if len(names) > 1:
        text = (
            f'<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="{_XMLNS}">\n'
            + "".join(f"<sitemap><loc>{_xml(site_url + href('/' + n, base))}</loc></sitemap>\n" for n in names)
            + "</sitemapindex>\n"
        )
        outputs.update(SITEMAP, signature(text), text)
    robots = f"User-agent: *\nAllow: /\nSitemap: {site_url}{href('/' + SITEMAP, base)}\n"
    outputs.update(ROBOTS, signature(robots), robots)
