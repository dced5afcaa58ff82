"""The site: `newsmirror build` (static HTML, feeds, sitemap, Pagefind search) and `newsmirror serve`."""

from newsmirror.site.build import BuildError, BuildReport, build_site

__all__ = ["BuildError", "BuildReport", "build_site"]
