"""The extra pages and the stylesheet.

Every template `pages/<name>.html` (the package's, or the archive's `_templates/pages/`) is built to
`/<name>.html` with the common context (site, sources, tags, months, search, posts_total, data = _data/*); this is
the one place extra pages come from: drop a template in either folder and it is built. A page that needs more
gets it from PAGE_CONTEXT (the status page: the sources' health).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import yaml

from newsmirror.config import Config
from newsmirror.site.hanzi import hanzi_inputs, hanzi_script
from newsmirror.site.history import Histories, deleted_context
from newsmirror.site.outputs import Outputs, signature
from newsmirror.site.placement import Placement
from newsmirror.site.render import Renderer, date_strings
from newsmirror.site.status import status_page_context
from newsmirror.site.urls import (
    DELETED_PAGE,
    HANZI_SCRIPT,
    PAGE_TEMPLATES,
    STYLESHEET,
    href,
    month_page_url,
    page_output,
    source_feed_url,
    source_page_url,
    tag_page_url,
)

PACKAGE_STATIC = Path(__file__).parent / "static"


@dataclass(frozen=True)
class PageInputs:
    """What a page's own context function may use besides the common context."""

    config: Config
    placement: Placement
    unreadable: int  # posts that could not be read
    histories: Histories | None = None  # the edits and deletions recorded (site/history.py)


def _status_context(inputs: PageInputs) -> dict:
    """The status page's sources' health, from the posts this build read (no second scan of the archive)."""
    # UTC seconds, not dates: the status reads as dates only the few inside its chart (archive/health.py _Window).
    stamps = [(r.source, r.timestamp) for r in inputs.placement.ordered]
    return status_page_context(inputs.config, stamps, inputs.unreadable)


def _deleted_context(inputs: PageInputs) -> dict:
    """The deleted articles, newest first."""
    histories = inputs.histories or Histories({}, {}, [])
    return deleted_context(inputs.placement, histories, inputs.config.site.baseurl.rstrip("/"))


# Output path of a page → what it gets besides the common context.
PAGE_CONTEXT: dict[str, Callable[[PageInputs], dict]] = {"status.html": _status_context, DELETED_PAGE: _deleted_context}


def page_templates(renderer: Renderer) -> list[str]:
    """Every page template's name (`pages/<name>.html`), in the package or the archive's `_templates/pages/`."""
    return sorted({name for name in renderer.template_names() if name.startswith(PAGE_TEMPLATES)})


def common_context(renderer: Renderer, placement: Placement, search: dict, data: dict) -> dict:
    base = renderer.context["site"]["baseurl"]
    return {
        **renderer.context,
        "sources": [
            {
                "name": s,
                "count": len(p),
                "href": href(source_page_url(s), base),
                "feed_href": href(source_feed_url(s), base),
                "last_str": date_strings(p[-1].timestamp)[2],
            }
            for s, p in sorted(placement.by_source.items())
        ],
        "tags": [
            {"name": t, "count": len(p), "href": href(tag_page_url(t), base)}
            for t, p in sorted(placement.by_tag.items(), key=lambda item: (-len(item[1]), item[0]))
        ],
        "months": [
            {"name": m, "count": len(p), "href": href(month_page_url(m), base)}
            for m, p in sorted(placement.by_month.items(), reverse=True)
        ],
        "search": search,
        "posts_total": len(placement.ordered),
        "data": data,
    }


def write_pages(renderer: Renderer, inputs: PageInputs, search: dict, outputs: Outputs) -> list[str]:
    """Write the extra pages and the stylesheet that changed; returns the problems (unreadable _data files)."""
    problems: list[str] = []
    context = common_context(renderer, inputs.placement, search, site_data(renderer.root, problems))
    for template in page_templates(renderer):
        out = page_output(template)
        extra = PAGE_CONTEXT[out](inputs) if out in PAGE_CONTEXT else {}
        text = renderer.template(template).render(**context, **extra)
        outputs.update(out, signature(text), text)
    css = stylesheet(renderer)
    outputs.update(STYLESHEET, signature(css), css)
    if outputs.needs(HANZI_SCRIPT, hanzi_inputs()):  # OpenCC's tables take half a second to fill in: only when changed
        outputs.write(HANZI_SCRIPT, hanzi_script())
    return problems


def stylesheet(renderer: Renderer) -> str:
    """The archive's `_templates/style.css` or the package's (a template too), else the package's static one."""
    if renderer.has_template("style.css"):
        return renderer.template_source("style.css")
    return (PACKAGE_STATIC / "style.css").read_text(encoding="utf-8")


def site_data(root: Path, problems: list[str]) -> dict:
    """`_data/*.json|yml|yaml`, as Jekyll's site.data: pages use it as `data.<name>`; a file that does not parse
    is left out, with a line in `problems`."""
    data: dict = {}
    folder = root / "_data"
    if not folder.is_dir():
        return data
    for path in sorted(folder.iterdir()):
        try:
            if path.suffix == ".json":
                data[path.stem] = json.loads(path.read_text(encoding="utf-8"))
            elif path.suffix in (".yml", ".yaml"):
                data[path.stem] = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, ValueError, yaml.YAMLError) as exc:
            problems.append(f"_data/{path.name}: {str(exc).splitlines()[0]}")
    return data
