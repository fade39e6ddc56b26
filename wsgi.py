"""WSGI entry point: ``gunicorn wsgi:app`` or ``flask --app wsgi run``."""

import os

from config import config_from_env
from wbl import create_app
from wbl.catalog.recommendations import warm_up

app = create_app(config_from_env())

if os.environ.get("FLASK_RUN_FROM_CLI") != "true":  # a server, not a ``flask`` command
    warm_up(app)  # the recommendation index, in a thread: no student's request builds it
