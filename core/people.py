"""Rules about people: names (checked, and masked on public screens), sensitive fields and
consent, badges."""
from flask import current_app

from core import audited, badges, text
from core.i18n import _
from core.database import fetch_one
from core.vocabulary import DISABILITY_CATEGORIES, PERSON_KINDS
from models import CARD_NUMBER_RE, Badge, Consent, Person, audit, db, utcnow

NAME_MAX = 50  # Person.name's column


class InvalidName(ValueError):
    """A name that cannot be stored; the message says why, in the reader's language."""


def clean_name(value, required=True):
    """The name as it is stored: NFC, single spaces, none inside a Chinese name; checked.

    Every path that sets a person's or a guardian's name comes here (the admin forms, the
    roster import, add-person, walk-ins, demo data). Refused, with InvalidName: control,
    formatting, text-direction and invisible characters, private-use and unassigned code
    points, a name without a letter, more than NAME_MAX characters. An empty name is
    refused when `required`, else returned as "".
    """
    bad = text.refused(value)
    if bad and all(text.is_nonstandard(c) for c in bad):
        raise InvalidName(_("The name contains a character that is not a standard character "
                            "(%(chars)s), which cannot be printed or searched. Please type the "
                            "name again with a standard input method.",
                            chars=text.code_points(bad)))
    if bad:
        raise InvalidName(_("The name contains an invisible or control character (%(chars)s). "
                            "Please type the name again without it.",
                            chars=text.code_points(bad)))
    name = text.tidy_name(value)
    if not name:
        if required:
            raise InvalidName(_("Please give the person's name."))
        return ""
    if len(name) > NAME_MAX:
        raise InvalidName(_("The name is longer than 50 characters."))
    if not text.has_letter(name):
        raise InvalidName(_("A name needs at least one letter or Chinese character."))
    return name


def masked_name(name):
    """A name fit for a public screen: 张*娟, 王*, 欧**娟, J*** S****, A*."""
    name = " ".join(text.printable(name).split())
    if not name:
        return "***"
    if not text.is_chinese(name):  # names written in words: each word's first letter
        return " ".join(w[0] + "*" * max(1, len(w) - 1) for w in name.split())
    if len(name) == 1:
        return name + "*"
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


class InvalidCardNumber(ValueError):
    """A disability card number that does not follow the second-generation format."""


def parse_card_number(raw):
    """Validate a 残疾人证 number; return (normalised, category, level).

    The card number is the 18-character ID (last character a digit or X) followed
    by the category digit (1-7) and the level digit (1-4).
    """
    text = (raw or "").strip().upper().replace(" ", "")
    if not CARD_NUMBER_RE.match(text):
        raise InvalidCardNumber(raw)
    return text, int(text[18]), int(text[19])


def has_consent(person, scope="sensitive"):
    """True when the person has a current (not withdrawn) consent for the scope."""
    return (Consent.select()
            .where((Consent.person == person) & (Consent.scope == scope)
                   & Consent.withdrawn_at.is_null())
            .exists())


class ConsentRequired(PermissionError):
    """Sensitive data was offered for a person without a recorded consent."""


SENSITIVE_FIELDS = ("disability_category", "disability_level", "disability_card",
                    "disability_card_raw", "id_type", "id_number")
CLEARED = {"disability_category": None, "disability_level": None, "disability_card": "",
           "disability_card_raw": "", "id_type": "", "id_number": ""}


def sensitive_values(*, category=None, level=None, card=None, id_type=None, id_number=None):
    """The sensitive fields these inputs set; a card number sets category and level too.

    Raises InvalidCardNumber, or ValueError for a category or level out of range. An input
    left as None sets nothing.
    """
    values = {}
    if card:
        normalised, category, level = parse_card_number(card)
        values["disability_card"], values["disability_card_raw"] = normalised, card
    if category is not None:
        if int(category) not in DISABILITY_CATEGORIES:
            raise ValueError("category")
        values["disability_category"] = int(category)
    if level is not None:
        if int(level) not in (1, 2, 3, 4):
            raise ValueError("level")
        values["disability_level"] = int(level)
    if id_type is not None:
        values["id_type"] = id_type
    if id_number is not None:
        values["id_number"] = id_number
    return values


def set_sensitive(person, *, category=None, level=None, card=None, id_type=None,
                  id_number=None, replace=False, actor=None, actor_label="", detail=""):
    """Save sensitive fields of a person with consent (audited, values never logged).

    A card number sets category and level. ``replace``: every sensitive field not given is
    cleared (the form holds the whole set). Raises ConsentRequired, InvalidCardNumber,
    ValueError. Returns the fields that changed.
    """
    values = sensitive_values(category=category, level=level, card=card, id_type=id_type,
                              id_number=id_number)
    if replace:
        values = dict(CLEARED, **values)
    with db.atomic():
        if not has_consent(person):
            raise ConsentRequired()
        return audited.update(person, values, action="person.set_sensitive", actor=actor,
                              actor_label=actor_label, detail=detail, hide=SENSITIVE_FIELDS)


def clear_sensitive(person, *, actor=None, actor_label="", detail=""):
    """Remove every sensitive field of the person (audited: which fields, never their values)."""
    return audited.update(person, CLEARED, action="person.clear_sensitive", actor=actor,
                          actor_label=actor_label, detail=detail, hide=SENSITIVE_FIELDS)


# --- consent ------------------------------------------------------------------------------

GUARDIAN_AGE = 14  # under this age a guardian gives consent (PIPL art. 31)


class GuardianRequired(ValueError):
    """A consent for a person under GUARDIAN_AGE was not given by a guardian."""


def age_on(birth_date, day):
    """Whole years of age on a day (None without a birth date)."""
    if birth_date is None:
        return None
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month,
                                                                  birth_date.day))


def guardian_must_consent(birth_date, day):
    """True when a person born on birth_date is under GUARDIAN_AGE on the day."""
    age = age_on(birth_date, day)
    return age is not None and age < GUARDIAN_AGE


def record_consent(person, *, method, given_on, given_by="self", scope="sensitive",
                   guardian_name="", note="", recorded_by=None, actor=None, actor_label=""):
    """Record a consent the person (or a guardian) gave; the Consent row. One transaction.

    Raises GuardianRequired when the person was under GUARDIAN_AGE on ``given_on`` and the
    consent is not a guardian's.
    """
    if given_by != "guardian" and guardian_must_consent(person.birth_date, given_on):
        raise GuardianRequired()
    with db.atomic():
        consent = Consent.create(person=person, scope=scope, method=method, given_by=given_by,
                                 guardian_name=guardian_name if given_by == "guardian" else "",
                                 given_on=given_on, recorded_by=recorded_by, note=note)
        audit("consent.record", actor=actor, actor_label=actor_label,
              station=person.station_id, obj=consent,
              after={"person": person.id, "scope": scope, "method": method,
                     "given_by": given_by, "given_on": given_on})
    return consent


def withdraw_consent(consent, *, actor=None, actor_label=""):
    """Record that a consent was withdrawn; True when it was still in force.

    Without a sensitive-data consent left, the person's sensitive data is removed in the
    same transaction.
    """
    with db.atomic():
        consent = Consent.get_by_id(consent.id)
        person = Person.get_by_id(consent.person_id)
        if consent.withdrawn_at is not None:
            return False
        audited.update(consent, {"withdrawn_at": utcnow()}, action="consent.withdraw",
                       actor=actor, actor_label=actor_label, station=person.station_id)
        if consent.scope == "sensitive" and not has_consent(person):
            clear_sensitive(person, actor=actor, actor_label=actor_label,
                            detail="consent withdrawn")
    return True


def current_badge(person):
    """The person's badge in force, or None."""
    return (Badge.select().where((Badge.person == person) & Badge.revoked_at.is_null())
            .order_by(Badge.serial.desc()).first())


def badge_payload(badge, badge_key=None):
    """The payload printed on a badge (derived again from the key; never stored)."""
    key = badge_key or current_app.config["BADGE_KEY"]
    return badges.payload_for(badges.derive_token(key, badge.person_id, badge.serial))


def issue_badge(person, *, actor=None, actor_label="", badge_key=None, reason=""):
    """Issue a new badge for the person, revoking any badge in force. One transaction."""
    key = badge_key or current_app.config["BADGE_KEY"]
    with db.atomic():
        now = utcnow()
        last = Badge.select().where(Badge.person == person).order_by(Badge.serial.desc()).first()
        revoked = []
        for old in Badge.select().where((Badge.person == person) & Badge.revoked_at.is_null()):
            old.revoked_at, old.revoked_by = now, actor
            old.revoke_reason = reason or "reissued"
            old.save()
            revoked.append(old.serial)
        serial = (last.serial + 1) if last else 1
        token = badges.derive_token(key, person.id, serial)
        badge = Badge.create(person=person, serial=serial, token_hash=badges.token_hash(token),
                             issued_by=actor)
        audit("badge.reissue" if revoked else "badge.issue", actor=actor,
              actor_label=actor_label, station=person.station_id, obj=badge,
              before={"revoked_serials": revoked} if revoked else None,
              after={"person": person.id, "serial": serial}, detail=reason)
    return badge


def revoke_badge(badge, *, actor=None, actor_label="", reason=""):
    """Revoke a badge at once."""
    with db.atomic():
        badge.revoked_at, badge.revoked_by, badge.revoke_reason = utcnow(), actor, reason
        badge.save()
        audit("badge.revoke", actor=actor, actor_label=actor_label,
              station=badge.person.station_id, obj=badge, detail=reason)
    return badge


def find_badge(token):
    """The badge with this token (revoked or not), or None."""
    badge = fetch_one(Badge, '"token_hash" = ?', badges.token_hash(token))
    if badge is not None:
        badge.person = fetch_one(Person, '"id" = ?', badge.person_id)
    return badge


def add_person(station, name, kind, *, actor=None, actor_label="", phone="", **fields):
    """Register a person and issue their first badge, in one transaction (InvalidName)."""
    if kind not in PERSON_KINDS:
        raise ValueError("kind")
    name = clean_name(name)
    if fields.get("guardian_name"):
        fields["guardian_name"] = clean_name(fields["guardian_name"], required=False)
    with db.atomic():
        person = Person.create(station=station, name=name, kind=kind, phone=phone, **fields)
        audit("person.create", actor=actor, actor_label=actor_label, station=station,
              obj=person, after={"name": name, "kind": kind})
        badge = issue_badge(person, actor=actor, actor_label=actor_label)
    return person, badge


def update_person(person, values, *, actor=None, actor_label="", detail=""):
    """Change a person's fields, with the old values in the audit log; the changes.

    Names go through clean_name (InvalidName). Sensitive fields may be among the values
    only while the person has a consent (ConsentRequired); their values are not logged.
    One transaction; nothing is written when nothing changes.
    """
    values = dict(values)
    if "name" in values:
        values["name"] = clean_name(values["name"])
    if values.get("guardian_name"):
        values["guardian_name"] = clean_name(values["guardian_name"], required=False)
    with db.atomic():
        if any(f in SENSITIVE_FIELDS for f in audited.differences(person, values)) \
                and not has_consent(person):
            raise ConsentRequired()
        return audited.update(person, values, action="person.update", actor=actor,
                              actor_label=actor_label, detail=detail, hide=SENSITIVE_FIELDS)
