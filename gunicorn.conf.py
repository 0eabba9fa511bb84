"""gunicorn settings, from the environment (PORT, WEB_CONCURRENCY)."""

import os
import shutil
import tempfile

# Request metrics from every worker, summed at scrape time (prometheus_client's
# multiprocess mode). Set before prometheus_client is imported anywhere: it picks its
# storage at import. A fresh directory per server start: old files would add stale counts.
if "PROMETHEUS_MULTIPROC_DIR" not in os.environ:
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="bitewise-metrics-")

from prometheus_client import multiprocess

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("WEB_THREADS", "1"))
timeout = 30
graceful_timeout = 20
# The app logs one structured line per request itself.
accesslog = None


def on_exit(server):
    shutil.rmtree(os.environ["PROMETHEUS_MULTIPROC_DIR"], ignore_errors=True)


def child_exit(server, worker):
    multiprocess.mark_process_dead(worker.pid)
