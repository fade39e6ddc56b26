"""Administration ▸ County settings and ▸ Set-up checklist; the county's logo."""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from werkzeug.datastructures import FileStorage

from wbl.access import PUBLIC, Role, policy
from wbl.county import services
from wbl.county.forms import CountySettingsForm
from wbl.county.settings import county
from wbl.errors import DomainError, field_error
from wbl.images import MAX_LOGO_BYTES

bp = Blueprint("county", __name__)

LOGO_READ_LIMIT = MAX_LOGO_BYTES + 1  # one byte over the limit is enough to say it is too big
# An SVG opened on its own is a document: it may run nothing and load nothing.
_SVG_POLICY = "default-src 'none'; style-src 'unsafe-inline'; sandbox"


@bp.route("/admin/county", methods=["GET", "POST"])
@policy(Role.ADMIN)
def settings() -> ResponseReturnValue:
    current = county()
    form = CountySettingsForm(
        data={
            "name": current.name,
            "timezone": current.timezone,
            # Before the first save, the address the administrator is using is the best guess.
            "base_url": current.base_url if current.saved else request.url_root.rstrip("/"),
        }
    )
    problem = None
    if form.validate_on_submit():
        upload: FileStorage | None = form.logo.data if form.logo.data else None
        logo = upload.read(LOGO_READ_LIMIT) if upload is not None and upload.filename else None
        data = services.SettingsInput(
            name=form.name.data or "",
            timezone=form.timezone.data or "",
            base_url=form.base_url.data or "",
        )
        try:
            services.save_settings(
                current_user, data, logo=logo, remove_logo=bool(form.remove_logo.data)
            )
        except DomainError as error:
            problem = field_error(form, error)
        else:
            flash("The county's settings are saved.", "success")
            if services.needs_setup():
                return redirect(url_for("county.setup"))
            return redirect(url_for("county.settings"))
    return render_template("county/settings.html", form=form, current=current, problem=problem)


@bp.get("/admin/setup")
@policy(Role.ADMIN)
def setup() -> ResponseReturnValue:
    """The first-run checklist: county settings, districts and schools, people, sign-in."""
    return render_template("county/setup.html", status=services.setup_status())


@bp.get("/county/logo")
@policy(PUBLIC)
def logo() -> ResponseReturnValue:
    """The county's logo (public: the sign-in page and e-mails show it). Its address carries
    the settings' version, so it may be cached for a day and still change at once."""
    found = services.county_logo()
    response = Response(found.data, mimetype=found.content_type)
    response.headers["Cache-Control"] = "public, max-age=86400"
    if found.content_type == "image/svg+xml":
        response.headers["Content-Security-Policy"] = _SVG_POLICY
    return response
