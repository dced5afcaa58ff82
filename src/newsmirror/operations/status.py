"""`newsmirror status`: the health of each source, from what the runs recorded (read in archive/health.py; drawn
by cli/output/status.py, and as the site's status page by site/status.py)."""

from __future__ import annotations

from newsmirror.archive.health import StatusReport, status_data
from newsmirror.config import Config


def status_report(config: Config, with_size: bool = False) -> StatusReport:
    """Every source's status; the state is first brought up to date with the posts on disk. `with_size` adds the
    archive's sizes against the host's limits (operations/size.py, without the packed-size estimate)."""
    report = status_data(config)
    if with_size:
        from newsmirror.operations.size import measure_size

        report.size = measure_size(config.root, estimate_pack=False).to_dict()
    return report
