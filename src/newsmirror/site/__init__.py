"""The site: `newsmirror build` (static HTML, feeds, sitemap, Pagefind search) and `newsmirror serve`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from newsmirror.site.build import BuildError, BuildReport, build_site

__all__ = ["BuildError", "BuildReport", "build_site"]


def __getattr__(name: str) -> Any:
    # On first use: a command that needs one site module (doctor: site.urls) must not load the build with it
    # (jinja2, the renderer, the search index).
    if name in __all__:
        from newsmirror.site import build

        return getattr(build, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
