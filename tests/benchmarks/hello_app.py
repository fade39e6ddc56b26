"""The bare Flask app that ``bench_load.py`` loads beside WBL: one "Hello, World!" page.

Served by gunicorn with WBL's settings, it is the ceiling of the machine, the server and Flask
in that run; each page's ratio is its requests per second over this app's.
"""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello() -> str:
    return "Hello, World!"
