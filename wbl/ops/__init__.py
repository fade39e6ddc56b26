"""Running WBL for real: the health checks a load balancer asks (``/healthz``, ``/readyz``)
and the Prometheus metrics a monitoring server scrapes (``/metrics``). docs/monitoring.md
says what each one means and how to use them.

Above the features: the readiness check and the metrics read the outbox, the job runs, the
catalog's seats and the recommendation index, and nothing imports this package but
``create_app``.
"""

from __future__ import annotations

import os

from flask import Flask

from config import ConfigError


def init_app(app: Flask) -> None:
    """The endpoints, and the request metrics' hooks on every request."""
    from wbl.extensions import limiter
    from wbl.ops import metrics
    from wbl.ops.views import bp

    folder = os.environ.get(metrics.MULTIPROCESS_ENV)
    if folder and not os.path.isdir(folder):
        # Refused at start: otherwise every request would fail when it is counted.
        raise ConfigError(f"{metrics.MULTIPROCESS_ENV} names {folder!r}, which is no folder.")

    limiter.exempt(bp)  # a probe every few seconds is never "too many"
    app.register_blueprint(bp)
    metrics.count_requests(app)
