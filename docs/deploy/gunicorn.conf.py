"""gunicorn settings for a WBL web node (docs/deployment.md, "gunicorn" explains each).

``wbl-web.service`` runs ``gunicorn -c /srv/wbl/app/docs/deploy/gunicorn.conf.py wsgi:app``.
Sized for a 2-core VM; ``WEB_CONCURRENCY`` (gunicorn's own variable) sets the number of
workers on another machine. tests/wbl/test_deploy_docs.py loads this file through gunicorn.
"""

import os
from typing import Any

# nginx on the same machine is the only client (docs/deploy/nginx-wbl.conf: upstream).
bind = ["127.0.0.1:8000"]

# Processes for the CPU (a page costs 10-70 ms of Python, docs/performance.md), threads for
# the waits (PostgreSQL round trips, a single sign-on provider, the geocoder). Four threads
# and the recommendation index's own thread fit SQLAlchemy's default pool of five
# connections per process. Each worker holds about 150 MB after a load run.
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY") or 2 * (os.cpu_count() or 1))
threads = 4

# Not preloaded: wsgi.py starts the recommendation index's build thread (and with it a
# database connection) in the process that imports it; imported in the master, that thread
# would not reach the workers and the connection would be shared by every forked worker.
preload_app = False

# For gthread workers this is the worker's heartbeat, not a request's length: nginx's
# proxy_read_timeout bounds requests (the roster upload takes tens of seconds).
timeout = 60
graceful_timeout = 30  # a stop or restart lets running requests finish for this long
keepalive = 5  # nginx keeps connections to us open (upstream keepalive)

# A worker that served a big import keeps the memory it took; replace workers now and then.
max_requests = 2000
max_requests_jitter = 200

# Only nginx on this machine may tell gunicorn the scheme. The client's address and scheme
# reach the app through ProxyFix (WBL_PROXY_HOPS), not through gunicorn.
forwarded_allow_ips = "127.0.0.1,::1"

# The app writes its own log line per request (docs/logging.md): no gunicorn access log.
accesslog = None
errorlog = "-"  # to the journal

# The workers' heartbeat files on a memory file system: a disk can stall them (gunicorn's
# advice). Only the heartbeat goes there, in files gunicorn creates with mkstemp.
_SHM = "/dev/shm"  # noqa: S108 - see above: no data, and mkstemp names
if os.path.isdir(_SHM):
    worker_tmp_dir = _SHM

# gunicorn's control socket (gunicornc) in the service's runtime directory (RuntimeDirectory=).
_runtime = os.environ.get("RUNTIME_DIRECTORY", "").split(":")[0]
if _runtime:
    control_socket = os.path.join(_runtime, "gunicorn.ctl")


def child_exit(server: Any, worker: Any) -> None:
    """With PROMETHEUS_MULTIPROC_DIR set (docs/monitoring.md), forget a finished worker's
    live gauges, as prometheus_client's multiprocess mode asks of gunicorn."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
