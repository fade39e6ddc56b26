"""Running WBL for real: the health checks a load balancer asks (``/healthz``, ``/readyz``)
and the Prometheus metrics a monitoring server scrapes (``/metrics``). docs/monitoring.md
says what each one means and how to use them.

Above the features: the readiness check and the metrics read the outbox, the job runs, the
catalog's seats and the recommendation index, and nothing imports this package but
``create_app``.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """The endpoints, and the request metrics' hooks on every request."""
    from wbl.extensions import limiter
    from wbl.ops import metrics
    from wbl.ops.views import bp

    limiter.exempt(bp)  # a probe every few seconds is never "too many"
    app.register_blueprint(bp)
    metrics.count_requests(app)
