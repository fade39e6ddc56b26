"""The sign-up forms (public) and the staff's decision forms.

Shape only here, and the services' own rules asked after it (``partner_request_problems``,
``volunteer_request_problems``: the catalog's rule set), so a page shows every problem at
once with the messages the services would give. Each public form carries a honeypot field
(``fax``): hidden from people and screen readers, filled in by bots.
"""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length

from wbl.catalog import rules
from wbl.catalog.manage_forms import add_problems
from wbl.fields import CheckboxesField, SelectField
from wbl.http import db_int
from wbl.reference.models import ExperienceKind
from wbl.signup import services
from wbl.signup.models import Background
from wbl.signup.services import PartnerRequestData, VolunteerRequestData


def _strip(value: object) -> object:
    return value.strip() if isinstance(value, str) else value


def _most(limit: int, **more: object) -> dict[str, object]:
    """The browser's hint for a text field's length (the rule is the service's)."""
    return {"maxlength": limit, **more}


class _Honeypot(FlaskForm):
    fax = StringField(
        "Leave this field empty",
        render_kw={"autocomplete": "off", "tabindex": "-1"},
    )

    @property
    def is_bot(self) -> bool:
        return bool((self.fax.data or "").strip())


def _name_field() -> StringField:
    return StringField(
        "Your name",
        filters=[_strip],
        validators=[DataRequired(services.NAME_NEEDED)],
        render_kw=_most(services.MAX_NAME, autocomplete="name"),
    )


def _email_field() -> EmailField:
    return EmailField(
        "Your e-mail",
        filters=[_strip],
        validators=[DataRequired(rules.EMAIL)],
        description="We send a link to it: your request reaches us once you follow the link.",
        render_kw=_most(rules.MAX_EMAIL, autocomplete="email"),
    )


def _phone_field() -> StringField:
    return StringField(
        "Your phone",
        filters=[_strip],
        render_kw=_most(services.MAX_PHONE, type="tel", autocomplete="tel"),
    )


def _job_title_field() -> StringField:
    return StringField(
        "Your job title",
        filters=[_strip],
        render_kw=_most(services.MAX_JOB_TITLE, autocomplete="organization-title"),
    )


class PartnerSignupForm(_Honeypot):
    name = StringField(
        "Business name",
        filters=[_strip],
        validators=[DataRequired(rules.NAME_NEEDED)],
        render_kw=_most(rules.PARTNER_LENGTHS["name"], autocomplete="organization"),
    )
    sector_id = SelectField(
        "Industry sector", coerce=db_int, validators=[InputRequired(services.SECTOR)]
    )
    street_address = StringField(
        "Street address",
        filters=[_strip],
        render_kw=_most(rules.PARTNER_LENGTHS["street_address"], autocomplete="street-address"),
    )
    city = StringField(
        "City",
        filters=[_strip],
        render_kw=_most(rules.PARTNER_LENGTHS["city"], autocomplete="address-level2"),
    )
    zip = StringField(
        "ZIP code",
        filters=[_strip],
        validators=[DataRequired("Enter a five-digit ZIP code.")],
        description="Where students would go: we match opportunities by distance.",
        render_kw=_most(10, inputmode="numeric", autocomplete="postal-code"),
    )
    website = StringField(
        "Website",
        filters=[_strip],
        render_kw=_most(rules.PARTNER_LENGTHS["website"], placeholder="https://", type="url"),
    )
    phone = StringField(
        "Main phone",
        filters=[_strip],
        render_kw=_most(rules.PARTNER_LENGTHS["phone"], type="tel"),
    )
    description = TextAreaField(
        "About the business",
        filters=[_strip],
        description="What you do, and what students could learn with you.",
        render_kw=_most(rules.PARTNER_LENGTHS["description"], rows=4),
    )
    kinds = CheckboxesField(
        "Experiences you could offer",
        validators=[DataRequired(services.KINDS_NEEDED)],
        validate_choice=True,
    )
    endorses_certificate = BooleanField(
        "We endorse the Work Ready Certificate: list our name among its supporters"
    )
    full_name = _name_field()
    email = _email_field()
    contact_phone = _phone_field()
    job_title = _job_title_field()

    def request_data(self) -> PartnerRequestData:
        return PartnerRequestData(
            name=self.name.data or "",
            sector_id=self.sector_id.data or None,
            zip=self.zip.data or "",
            full_name=self.full_name.data or "",
            email=self.email.data or "",
            street_address=self.street_address.data or "",
            city=self.city.data or "",
            website=self.website.data or "",
            phone=self.phone.data or "",
            description=self.description.data or "",
            kinds=frozenset(
                ExperienceKind(k)
                for k in self.kinds.data or ()
                if k in {e.value for e in ExperienceKind}
            ),
            endorses_certificate=bool(self.endorses_certificate.data),
            contact_phone=self.contact_phone.data or "",
            job_title=self.job_title.data or "",
        )

    def validate(self, extra_validators: dict[str, list[object]] | None = None) -> bool:
        shaped = super().validate(extra_validators)
        problems = services.partner_request_problems(self.request_data())
        return add_problems(self, problems) and shaped


REVIEWS, INTERVIEWS = "reviews", "interviews"


class VolunteerSignupForm(_Honeypot):
    full_name = _name_field()
    email = _email_field()
    phone = _phone_field()
    background = RadioField(
        "You work",
        choices=[SelectChoice(b.value, b.label) for b in Background],
        validators=[InputRequired(services.BACKGROUND)],
    )
    organisation = StringField(
        "Where you work",
        filters=[_strip],
        validators=[DataRequired(services.ORGANISATION_NEEDED)],
        description="The business, organisation or school.",
        render_kw=_most(services.MAX_ORGANISATION, autocomplete="organization"),
    )
    job_title = _job_title_field()
    activities = CheckboxesField(
        "What you would like to do",
        choices=[
            SelectChoice(REVIEWS, "Review and score students' Work Ready portfolios"),
            SelectChoice(INTERVIEWS, "Sit on a panel for the work ready interview"),
        ],
        validators=[DataRequired(services.ACTIVITY_NEEDED)],
        validate_choice=True,
    )
    note = TextAreaField(
        "Anything we should know",
        filters=[_strip],
        description="Your field, and when you are usually free.",
        render_kw=_most(services.MAX_NOTE, rows=3),
    )

    def request_data(self) -> VolunteerRequestData:
        chosen = set(self.activities.data or ())
        background = self.background.data
        return VolunteerRequestData(
            full_name=self.full_name.data or "",
            email=self.email.data or "",
            organisation=self.organisation.data or "",
            background=Background(background)
            if background in {b.value for b in Background}
            else None,
            reviews=REVIEWS in chosen,
            interviews=INTERVIEWS in chosen,
            phone=self.phone.data or "",
            job_title=self.job_title.data or "",
            note=self.note.data or "",
        )

    def validate(self, extra_validators: dict[str, list[object]] | None = None) -> bool:
        shaped = super().validate(extra_validators)
        problems = services.volunteer_request_problems(self.request_data())
        return add_problems(self, problems) and shaped


class ConfirmForm(FlaskForm):
    """A button that changes something: CSRF only."""


NEW_PARTNER = 0  # the approval's partner choice: a new partner from the request


class PartnerApprovalForm(FlaskForm):
    partner_id = SelectField(
        "Partner",
        coerce=db_int,
        description="A likely match means the business is already in the catalog: link the "
        "contact to it rather than create a second partner.",
    )
    endorses_certificate = BooleanField(
        "List the partner among the businesses endorsing the Work Ready Certificate"
    )


class VolunteerApprovalForm(FlaskForm):
    partner_id = SelectField(
        "Works for the partner",
        coerce=db_int,
        description="Makes them a contact of that partner (they see its applicants and "
        "confirm hours). Reviewers from a business speak for a partner that endorses the "
        "certificate; a partner also keeps them off its own students' reviews and panels.",
    )
    reviews = BooleanField("Add them to the portfolio reviewer pool")


class DeclineForm(FlaskForm):
    reason = TextAreaField(
        "Why (e-mailed to the person)",
        filters=[_strip],
        validators=[
            DataRequired("Say why, for the e-mail to the person."),
            Length(max=services.MAX_REASON, message=rules.too_long(services.MAX_REASON)),
        ],
        render_kw={"rows": 3, "maxlength": services.MAX_REASON},
    )
