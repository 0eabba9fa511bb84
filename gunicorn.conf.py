"""gunicorn settings, from the environment (HOST, PORT, WEB_CONCURRENCY, LOG_FORMAT)."""

import os
import shutil
import sys
import tempfile

# Request metrics from every worker, summed at scrape time (prometheus_client's
# multiprocess mode). Set before prometheus_client is imported anywhere: it picks its
# storage at import. A fresh directory per server start: old files would add stale counts.
if "PROMETHEUS_MULTIPROC_DIR" not in os.environ:
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="bitewise-metrics-")

from prometheus_client import multiprocess

# A platform's router reaches the process from outside: production listens on every
# interface; development (bin/run) and tests on loopback only.
LOCAL = os.environ.get("BITEWISE_ENV") in ("development", "test")
HOST = os.environ.get("HOST") or ("127.0.0.1" if LOCAL else "0.0.0.0")
bind = f"{HOST}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("WEB_THREADS", "1"))
timeout = 30
graceful_timeout = 20
# gunicorn 27's control socket sits at one path per user ($HOME/.gunicorn/gunicorn.ctl):
# bin/run, the suite's servers and the benches would share it. Nothing here uses it.
control_socket_disable = True
# The app logs one structured line per request itself.
accesslog = None
# gunicorn's own lines (starting, booting workers, tracebacks) in the app's format: one
# JSON object per line unless LOG_FORMAT=text.
if os.environ.get("LOG_FORMAT", "json") != "text":
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "json": {
                "()": "pythonjsonlogger.json.JsonFormatter",
                "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
                "rename_fields": {"asctime": "time", "levelname": "level"},
            }
        },
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": "ext://sys.stderr",
            }
        },
        "root": {"level": "INFO", "handlers": ["stderr"]},
        "loggers": {
            "gunicorn.error": {"level": "INFO", "handlers": ["stderr"], "propagate": False},
            "gunicorn.access": {"level": "INFO", "handlers": ["stderr"], "propagate": False},
        },
    }


def on_starting(server):
    """Refuse a bad configuration once, in one line, before any worker boots (each worker
    would otherwise print its own traceback)."""
    from api.config import Config, ConfigError

    try:
        Config.from_env()
    except ConfigError as error:
        server.log.error("bitewise refuses to start: %s", error)
        sys.exit(1)


def post_worker_init(worker):
    """The app is loaded: keep what start-up made out of the garbage collector's walks."""
    from api.heap import settle

    settle()


def on_exit(server):
    shutil.rmtree(os.environ["PROMETHEUS_MULTIPROC_DIR"], ignore_errors=True)


def child_exit(server, worker):
    multiprocess.mark_process_dead(worker.pid)
