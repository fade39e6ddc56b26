"""WSGI entry point: ``gunicorn wsgi:app`` or ``flask --app wsgi run``.

Start-up creates a few hundred thousand objects (modules, mapped classes, routes, templates'
helpers) that live as long as the process: the cyclic garbage collector is held while they
are made (its collections found almost nothing and took a sixth of the start-up time), and
they are then frozen (``gc.freeze``) so that later full collections, during requests, no
longer walk them all.

A server (not a ``flask`` command) then starts building or loading the recommendation index
in a thread, so that no student's request builds it (wbl/catalog/recommendations.py)."""

import gc
import os

gc.disable()
try:
    from config import config_from_env
    from wbl import create_app
    from wbl.catalog.recommendations import warm_up

    app = create_app(config_from_env())
finally:
    gc.enable()
gc.freeze()

if os.environ.get("FLASK_RUN_FROM_CLI") != "true":  # a server, not a ``flask`` command
    warm_up(app)
