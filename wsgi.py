"""WSGI entry point: ``gunicorn wsgi:app`` or ``flask --app wsgi run``.

Start-up creates a few hundred thousand objects (modules, mapped classes, routes, templates'
helpers) that live as long as the process: the cyclic garbage collector is held while they
are made (its collections found almost nothing and took a sixth of the start-up time), and
they are then frozen (``gc.freeze``) so that later full collections, during requests, no
longer walk them all."""

import gc

gc.disable()
try:
    from config import config_from_env
    from wbl import create_app

    app = create_app(config_from_env())
finally:
    gc.enable()
gc.freeze()
