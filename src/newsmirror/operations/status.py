"""`newsmirror status`: the health of each source, from what the runs recorded (read in archive/health.py; drawn
by cli/output/status.py, and as the site's status page by site/status.py)."""

from __future__ import annotations

from newsmirror.archive.health import StatusReport, status_data
from newsmirror.config import Config


def status_report(config: Config) -> StatusReport:
    """Every source's status; the state is first brought up to date with the posts on disk."""
    return status_data(config)
