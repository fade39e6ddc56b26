"""WSGI entry point: ``gunicorn wsgi:app`` or ``flask --app wsgi run``."""

from config import config_from_env
from wbl import create_app

app = create_app(config_from_env())
