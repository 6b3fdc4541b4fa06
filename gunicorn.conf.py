"""Gunicorn's production settings: `gunicorn wsgi:app` reads this file from the working directory.

Every setting can be overridden on the command line or through GUNICORN_CMD_ARGS; the few that
differ between machines also through the variables named below.
"""

import multiprocessing
import os

# Behind the reverse proxy, on the loopback interface only (README, "Running in production").
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")

# The work is CPU-bound Python (rules engine, templates, PDFs), so processes, not threads, use the
# cores: one per core, plus one to keep the cores busy while a worker waits for the database. More
# only take turns on the same cores with colder caches: on 2 cores, 5 workers answered a claim
# from the API about a quarter slower than 3 (wrk, 32 connections; README, "Performance").
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() + 1))
worker_class = "sync"

# Load the app once in the master and fork it: workers start at once, share the imported code's
# memory, and a configuration error stops the master before any worker starts.
preload_app = True

# Approving a claim renders its PDF summary (under a second); a request still running after this
# is stuck, and its worker is replaced.
timeout = 60
graceful_timeout = 30

# Replace each worker after this many requests (with jitter, so that not all at once): a slow leak
# in a library (fonts, PDF rendering) cannot grow without bound. Not much more often: a new worker
# compiles its templates and queries again, which showed as the slowest requests under load.
max_requests = 10000
max_requests_jitter = 1000

# Requests are logged by the reverse proxy; errors go to standard error for the service manager.
accesslog = os.environ.get("GUNICORN_ACCESSLOG") or None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOGLEVEL", "info")

# Trust X-Forwarded-* only from the proxy on this machine.
forwarded_allow_ips = "127.0.0.1"


def on_starting(server) -> None:
    """Before the first worker: settings that depend on how many there are (the app alone cannot tell)."""
    app = server.app.wsgi()  # preloaded: already built in this master
    if "RATELIMIT_STORAGE_URI" not in getattr(app, "config", {}):
        return  # another app under the same settings (the benchmarks' hello-world)
    from expenses.config import ConfigError, refuse_to_start, refuse_unshared_limits

    try:
        refuse_unshared_limits(app, server.cfg.workers)
    except ConfigError as error:
        refuse_to_start(error)


def post_fork(server, worker) -> None:
    """Each worker opens its own database connections: one inherited from the master would be shared."""
    flask_app = getattr(worker.app, "callable", None)
    if flask_app is None or "sqlalchemy" not in getattr(flask_app, "extensions", {}):
        return
    from expenses.extensions import db

    with flask_app.app_context():
        db.engine.dispose(close=False)
