"""newsmirror: mirror news feeds into a Jekyll-compatible archive and a fast, searchable static site."""

__version__ = "0.1.0"
