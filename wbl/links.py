"""``url_for`` for templates, remembered for links without arguments.

Every page's menus and footer build dozens of the same argument-less links (the staff menu
about forty), and Werkzeug builds each from the URL map again: about a millisecond of every
page. A link without arguments depends only on its endpoint and the application's root
(``SCRIPT_NAME``), so it is built once per worker and root. Links with arguments, relative
endpoints (``.index``), external links and anything outside a request go to ``url_for``.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, has_request_context, request, url_for

_KEY = "wbl.links"


def cached_url_for(endpoint: str, **values: Any) -> str:
    if values or endpoint.startswith(".") or not has_request_context():
        return url_for(endpoint, **values)
    links: dict[tuple[str, str], str] = current_app.extensions[_KEY]
    key = (request.script_root, endpoint)
    link = links.get(key)
    if link is None:
        link = links[key] = url_for(endpoint)
    return link


def init_app(app: Flask) -> None:
    app.extensions[_KEY] = {}
    app.jinja_env.globals["url_for"] = cached_url_for
