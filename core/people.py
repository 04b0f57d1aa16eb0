"""Rules about people: names (checked, and masked on public screens), sensitive fields and
consent, badges."""
from flask import current_app

from core import badges, text
from core.i18n import _
from core.database import fetch_one
from models import CARD_NUMBER_RE, DISABILITY_CATEGORIES, Badge, Consent, Person, audit, db, utcnow

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


def set_sensitive(person, *, category=None, level=None, card=None, id_type=None,
                  id_number=None):
    """Set sensitive fields on a person that has consent; a card number sets category and level."""
    if not has_consent(person):
        raise ConsentRequired()
    if card:
        normalised, category, level = parse_card_number(card)
        person.disability_card, person.disability_card_raw = normalised, card
    if category is not None:
        if int(category) not in DISABILITY_CATEGORIES:
            raise ValueError("category")
        person.disability_category = int(category)
    if level is not None:
        if int(level) not in (1, 2, 3, 4):
            raise ValueError("level")
        person.disability_level = int(level)
    if id_type is not None:
        person.id_type = id_type
    if id_number is not None:
        person.id_number = id_number


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
    if kind not in ("resident", "volunteer", "staff"):
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
    """Change a person's ordinary fields, with the old values in the audit log; the changes.

    Names go through clean_name (InvalidName). One transaction; nothing is written when
    nothing changes.
    """
    values = dict(values)
    if "name" in values:
        values["name"] = clean_name(values["name"])
    if values.get("guardian_name"):
        values["guardian_name"] = clean_name(values["guardian_name"], required=False)
    changed = {f: v for f, v in values.items() if getattr(person, f) != v}
    if not changed:
        return changed
    with db.atomic():
        before = {f: getattr(person, f) for f in changed}
        for field, value in changed.items():
            setattr(person, field, value)
        person.save()
        audit("person.update", actor=actor, actor_label=actor_label, station=person.station_id,
              obj=person, before=before, after=changed, detail=detail)
    return changed
