"""The station's data: every table, ``db`` (bound by core.database) and ``audit()``.

Times are stored in UTC (naive ``datetime`` values meaning UTC); each event also stores
``local_date``, the station's local day it happened on, so that "today" and monthly
reports are plain indexed look-ups. Sensitive personal information (disability category,
level and card number, identity document numbers) lives only on ``Person`` and may be set
only while the person has a current ``Consent`` for the ``sensitive`` scope.
"""
import datetime
import json
import re

from peewee import (
    BooleanField, CharField, DatabaseProxy, DateField, DateTimeField,
    ForeignKeyField, IntegerField, Model, SQL, TextField, TimeField,
)

from core.clock import utcnow  # the one clock (re-exported: models and callers use it)
# The domain's stored values are named once, with their labels, in core.vocabulary.
from core.vocabulary import (ACTIVITY_KINDS, DISABILITY_CATEGORIES,  # noqa: F401
                             DISABILITY_LEVELS, PERSON_KINDS, SHIFT_STATUSES, SOURCES)

db = DatabaseProxy()

ROLES = ("admin", "social_worker", "staff", "district_admin")
CARD_NUMBER_RE = re.compile(r"^\d{17}[\dX][1-7][1-4]$")


class BaseModel(Model):
    class Meta:
        database = db
        legacy_table_names = False


class Station(BaseModel):
    """A service station (驿站); a district server holds many."""

    code = CharField(max_length=32, unique=True)
    name = CharField(max_length=100)
    timezone = CharField(max_length=64, default="Asia/Shanghai")
    address = CharField(max_length=200, default="")
    organisation = CharField(max_length=200, default="")  # issuer of certificates
    person_in_charge = CharField(max_length=50, default="")
    contact_phone = CharField(max_length=50, default="")
    language = CharField(max_length=8, default="zh")
    closing_time = TimeField(default=datetime.time(21, 0))
    created_at = DateTimeField(default=utcnow)


class Person(BaseModel):
    """A resident (服务对象), volunteer (志愿者) or staff member known to a station."""

    station = ForeignKeyField(Station, backref="people", on_delete="RESTRICT")
    kind = CharField(max_length=16, index=True)
    name = CharField(max_length=50, null=True)  # NULL once erased
    sex = CharField(max_length=8, default="")
    birth_date = DateField(null=True)
    phone = CharField(max_length=32, default="")
    address = CharField(max_length=200, default="")
    guardian_name = CharField(max_length=50, default="")
    guardian_phone = CharField(max_length=32, default="")
    notes = TextField(default="")
    skills = CharField(max_length=200, default="")
    volunteer_number = CharField(max_length=64, default="")
    # Sensitive: only with a current consent (scope "sensitive").
    id_type = CharField(max_length=20, default="")
    id_number = CharField(max_length=32, default="")
    disability_category = IntegerField(null=True)
    disability_level = IntegerField(null=True)
    disability_card = CharField(max_length=40, default="")
    disability_card_raw = CharField(max_length=64, default="")
    active = BooleanField(default=True)
    created_at = DateTimeField(default=utcnow)
    erased_at = DateTimeField(null=True)

    class Meta:
        indexes = ((("station", "kind"), False),)


class StaffUser(BaseModel):
    """A login for the admin view. ``station`` empty means every station (district)."""

    username = CharField(max_length=64, unique=True)
    password_hash = CharField(max_length=256)
    role = CharField(max_length=20, index=True)
    display_name = CharField(max_length=50, default="")
    station = ForeignKeyField(Station, null=True, backref="staff_users", on_delete="RESTRICT")
    person = ForeignKeyField(Person, null=True, on_delete="SET NULL")  # the staff member as a person
    active = BooleanField(default=True)
    failed_logins = IntegerField(default=0)  # wrong passwords since the last sign-in
    language = CharField(max_length=8, default="")
    last_login_at = DateTimeField(null=True)
    created_at = DateTimeField(default=utcnow)


class StaffSession(BaseModel):
    """A signed-in browser. Its cookie holds a random id; only the id's hash is stored here,
    so signing out (or a new password, or deactivation) ends that session at once."""

    user = ForeignKeyField(StaffUser, backref="sessions", on_delete="CASCADE")
    token_hash = CharField(max_length=64, unique=True)
    created_at = DateTimeField(default=utcnow)
    expires_at = DateTimeField(index=True)
    ended_at = DateTimeField(null=True)


class LoginThrottle(BaseModel):
    """Wrong passwords for one user name from one address, and how long that pair must wait.

    Keyed by keyed hashes (core.signin), the same for user names that exist and those that
    do not: the owner signing in from elsewhere is never locked out by a stranger.
    """

    account_key = CharField(max_length=64, index=True)
    address_key = CharField(max_length=64)
    failures = IntegerField(default=0)
    last_failure_at = DateTimeField(index=True)
    locked_until = DateTimeField(null=True)

    class Meta:
        indexes = ((("account_key", "address_key"), True),)


class Consent(BaseModel):
    """A recorded, separate consent to hold sensitive data (PIPL art. 29, 31)."""

    person = ForeignKeyField(Person, backref="consents", on_delete="CASCADE")
    scope = CharField(max_length=32, default="sensitive")
    method = CharField(max_length=32)  # paper, verbal, electronic
    given_by = CharField(max_length=16, default="self")  # self, guardian
    guardian_name = CharField(max_length=50, default="")
    given_on = DateField()
    recorded_by = ForeignKeyField(StaffUser, null=True, on_delete="SET NULL", backref="+")
    recorded_at = DateTimeField(default=utcnow)
    withdrawn_at = DateTimeField(null=True)
    note = TextField(default="")


class Badge(BaseModel):
    """A QR badge. The token is derived from BADGE_KEY; only its hash is stored."""

    person = ForeignKeyField(Person, backref="badges", on_delete="CASCADE")
    serial = IntegerField()
    token_hash = CharField(max_length=64, unique=True)
    issued_at = DateTimeField(default=utcnow)
    issued_by = ForeignKeyField(StaffUser, null=True, on_delete="SET NULL", backref="+")
    revoked_at = DateTimeField(null=True)
    revoked_by = ForeignKeyField(StaffUser, null=True, on_delete="SET NULL", backref="+")
    revoke_reason = CharField(max_length=200, default="")
    printed_at = DateTimeField(null=True)

    class Meta:
        indexes = ((("person", "serial"), True),)


class Service(BaseModel):
    """An entry of the service catalogue (康复训练, 助餐, ...)."""

    station = ForeignKeyField(Station, null=True, backref="services", on_delete="CASCADE")
    code = CharField(max_length=32)
    name_zh = CharField(max_length=50)
    name_en = CharField(max_length=80, default="")
    pictogram = CharField(max_length=64, default="other")
    sort_order = IntegerField(default=0)
    default_minutes = IntegerField(default=30)
    active = BooleanField(default=True)
    created_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("station", "code"), True),)

    @classmethod
    def for_station(cls, station, active_only=True):
        """The catalogue a station offers (its own and the shared entries), in its order.

        A shared entry comes with the station's own choice (StationService), when it made
        one: whether its kiosk offers the entry and where in its order. Such an entry is a
        view for that station (``station_view``) and cannot be saved.
        """
        station_id = station.id if hasattr(station, "id") else station
        services = list(cls.select().where(cls.station.is_null() | (cls.station == station_id)))
        choices = {c.service_id: c for c in StationService.select().where(
            StationService.station == station_id)} if any(s.shared for s in services) else {}
        for service in services:
            choice = choices.get(service.id)
            if choice is not None:
                service.station_view = True
                # Retired for the whole district stays retired; a station may only add its own.
                service.active = service.active and choice.active
                service.sort_order = choice.sort_order
        if active_only:
            services = [s for s in services if s.active]
        return sorted(services, key=lambda s: (s.sort_order, s.id))

    def label(self, lang):
        """The service's name in a language (Chinese when it has no English name)."""
        return service_name(self.name_zh, self.name_en, lang)

    @property
    def shared(self):
        """True for an entry of the district's shared catalogue (no station of its own)."""
        return self.station_id is None

    def save(self, *args, **kwargs):
        """Save the row; never a station's view of a shared entry (see for_station)."""
        if self.__dict__.get("station_view"):
            # for_station gives shared entries the station's own order and active flag;
            # saving one would hand that station's choice to every station.
            raise RuntimeError("a station's view of a shared service cannot be saved")
        return super().save(*args, **kwargs)


class StationService(BaseModel):
    """One station's choice about an entry of the shared catalogue: whether its kiosk offers
    it and where in its order. The entry itself (names, pictogram) is the district's."""

    station = ForeignKeyField(Station, backref="service_choices", on_delete="CASCADE")
    service = ForeignKeyField(Service, backref="station_choices", on_delete="CASCADE")
    active = BooleanField(default=True)
    sort_order = IntegerField(default=0)

    class Meta:
        indexes = ((("station", "service"), True),)


def service_name(name_zh, name_en, lang):
    """A service's name in `lang`: English only when asked for and present."""
    return name_en if lang == "en" and name_en else name_zh


class ActivitySeries(BaseModel):
    """A recurring activity (a weekly class) whose sessions are Activities."""

    station = ForeignKeyField(Station, backref="series", on_delete="CASCADE")
    name = CharField(max_length=100)
    kind = CharField(max_length=16, default="class")
    notes = TextField(default="")
    created_at = DateTimeField(default=utcnow)


class Activity(BaseModel):
    """A group activity, class or community event with its own attendance."""

    station = ForeignKeyField(Station, backref="activities", on_delete="CASCADE")
    series = ForeignKeyField(ActivitySeries, null=True, backref="sessions", on_delete="SET NULL")
    name = CharField(max_length=100)
    kind = CharField(max_length=16, default="group")
    starts_at = DateTimeField()
    ends_at = DateTimeField(null=True)
    local_date = DateField(index=True)
    place = CharField(max_length=200, default="")
    at_station = BooleanField(default=True)
    organiser = CharField(max_length=100, default="")
    capacity = IntegerField(null=True)
    notes = TextField(default="")
    created_by = ForeignKeyField(StaffUser, null=True, on_delete="SET NULL", backref="+")
    created_at = DateTimeField(default=utcnow)
    cancelled_at = DateTimeField(null=True)
    cancel_reason = CharField(max_length=200, default="")


class ActivityService(BaseModel):
    """Which catalogue services an activity counts as."""

    activity = ForeignKeyField(Activity, backref="service_links", on_delete="CASCADE")
    service = ForeignKeyField(Service, on_delete="CASCADE")

    class Meta:
        indexes = ((("activity", "service"), True),)


class KioskDevice(BaseModel):
    """An enrolled kiosk tablet. Only the hash of its key is stored."""

    station = ForeignKeyField(Station, backref="kiosks", on_delete="CASCADE")
    name = CharField(max_length=64)
    key_hash = CharField(max_length=64, null=True, unique=True)
    enroll_code_hash = CharField(max_length=64, null=True, unique=True)
    enroll_expires_at = DateTimeField(null=True)
    enrolled_at = DateTimeField(null=True)
    revoked_at = DateTimeField(null=True)
    last_seen_at = DateTimeField(null=True)
    activity = ForeignKeyField(Activity, null=True, on_delete="SET NULL")  # activity mode
    language = CharField(max_length=8, default="")
    created_by = ForeignKeyField(StaffUser, null=True, on_delete="SET NULL", backref="+")
    created_at = DateTimeField(default=utcnow)


class _Correctable(BaseModel):
    """Fields shared by every record staff may correct or void (never delete)."""

    recorded_by = ForeignKeyField(StaffUser, null=True, on_delete="SET NULL", backref="+")
    recorded_at = DateTimeField(default=utcnow)
    voided_at = DateTimeField(null=True)
    voided_by = ForeignKeyField(StaffUser, null=True, on_delete="SET NULL", backref="+")
    void_reason = CharField(max_length=200, default="")


class Visit(_Correctable):
    """A check-in (签到) or check-out (签退) event."""

    station = ForeignKeyField(Station, backref="visits", on_delete="RESTRICT")
    person = ForeignKeyField(Person, backref="visits", on_delete="RESTRICT")
    kind = CharField(max_length=10)  # check_in, check_out
    at = DateTimeField(default=utcnow)
    local_date = DateField()
    source = CharField(max_length=10, default="scanner")
    device = ForeignKeyField(KioskDevice, null=True, on_delete="SET NULL")
    client_id = CharField(max_length=64, null=True, unique=True)

    class Meta:
        indexes = ((("station", "local_date"), False), (("person", "local_date"), False))


class ServiceRecord(_Correctable):
    """A service given to a resident, by a volunteer or staff member when known."""

    station = ForeignKeyField(Station, backref="service_records", on_delete="RESTRICT")
    recipient = ForeignKeyField(Person, backref="services_received", on_delete="RESTRICT")
    service = ForeignKeyField(Service, on_delete="RESTRICT")
    provider = ForeignKeyField(Person, null=True, backref="services_given", on_delete="RESTRICT")
    activity = ForeignKeyField(Activity, null=True, on_delete="SET NULL")
    at = DateTimeField(default=utcnow)
    local_date = DateField()
    minutes = IntegerField(null=True)
    note = TextField(default="")
    source = CharField(max_length=10, default="scanner")
    device = ForeignKeyField(KioskDevice, null=True, on_delete="SET NULL")
    client_id = CharField(max_length=80, null=True, unique=True)

    class Meta:
        indexes = ((("station", "local_date"), False), (("recipient", "local_date"), False))


class VolunteerShift(_Correctable):
    """Volunteer service time (志愿服务时长). Only service time counts, not travel."""

    station = ForeignKeyField(Station, backref="shifts", on_delete="RESTRICT")
    volunteer = ForeignKeyField(Person, backref="shifts", on_delete="RESTRICT")
    activity = ForeignKeyField(Activity, null=True, on_delete="SET NULL")
    started_at = DateTimeField()
    ended_at = DateTimeField(null=True)
    local_date = DateField()
    minutes = IntegerField(null=True)
    content = CharField(max_length=200, default="")
    place = CharField(max_length=200, default="")
    organiser = CharField(max_length=200, default="")
    status = CharField(max_length=10, default="pending")
    auto_closed = BooleanField(default=False)  # closed at closing time: staff review
    confirmed_by = ForeignKeyField(StaffUser, null=True, on_delete="SET NULL", backref="+")
    confirmed_at = DateTimeField(null=True)
    source = CharField(max_length=10, default="scanner")
    device = ForeignKeyField(KioskDevice, null=True, on_delete="SET NULL")
    client_id = CharField(max_length=64, null=True, unique=True)
    end_client_id = CharField(max_length=64, null=True, unique=True)

    class Meta:
        indexes = ((("station", "local_date"), False), (("volunteer", "ended_at"), False))


class Attendance(_Correctable):
    """A person's attendance at an activity (once per person and activity)."""

    activity = ForeignKeyField(Activity, backref="attendances", on_delete="CASCADE")
    person = ForeignKeyField(Person, backref="attendances", on_delete="RESTRICT")
    at = DateTimeField(default=utcnow)
    source = CharField(max_length=10, default="scanner")
    device = ForeignKeyField(KioskDevice, null=True, on_delete="SET NULL")
    client_id = CharField(max_length=64, null=True, unique=True)

    class Meta:
        indexes = ((("activity", "person"), True),)


class HelpRequest(BaseModel):
    """'没带卡 / I have no card' pressed on a kiosk: staff are called."""

    station = ForeignKeyField(Station, backref="help_requests", on_delete="CASCADE")
    device = ForeignKeyField(KioskDevice, null=True, on_delete="SET NULL")
    created_at = DateTimeField(default=utcnow)
    client_id = CharField(max_length=64, null=True, unique=True)
    resolved_at = DateTimeField(null=True)
    resolved_by = ForeignKeyField(StaffUser, null=True, on_delete="SET NULL", backref="+")
    note = CharField(max_length=200, default="")


class ImportMapping(BaseModel):
    """A remembered column mapping for roster imports, keyed by the header row."""

    station = ForeignKeyField(Station, null=True, on_delete="CASCADE")
    header_signature = CharField(max_length=64)
    mapping = TextField()  # JSON: {column header: field name}
    updated_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("station", "header_signature"), True),)


class AuditLog(BaseModel):
    """Who did what, when, with the value before and after. Never edited."""

    at = DateTimeField(default=utcnow, index=True)
    actor = ForeignKeyField(StaffUser, null=True, on_delete="SET NULL", backref="+")
    actor_label = CharField(max_length=64, default="")  # "cli", "kiosk:3", username
    station = ForeignKeyField(Station, null=True, on_delete="SET NULL")
    action = CharField(max_length=64, index=True)
    object_type = CharField(max_length=32, default="")
    object_id = IntegerField(null=True)
    before = TextField(default="")
    after = TextField(default="")
    detail = TextField(default="")


# The database itself refuses a second check-in or check-out of a person on one day, and a
# second open shift of a volunteer, whatever runs at the same time (PostgreSQL runs
# simultaneous scans side by side; SQLite queues them). Partial indexes: void rows and
# ended shifts do not count. The same SQL is in migrations/0002_hardening.py.
ONE_CHECK_IN_A_DAY = SQL("\"kind\" = 'check_in' AND \"voided_at\" IS NULL")
ONE_CHECK_OUT_A_DAY = SQL("\"kind\" = 'check_out' AND \"voided_at\" IS NULL")
ONE_OPEN_SHIFT = SQL("\"ended_at\" IS NULL AND \"status\" <> 'voided'")
Visit.add_index(Visit.index(Visit.person, Visit.local_date, unique=True,
                            name="visit_one_check_in_a_day").where(ONE_CHECK_IN_A_DAY))
Visit.add_index(Visit.index(Visit.person, Visit.local_date, unique=True,
                            name="visit_one_check_out_a_day").where(ONE_CHECK_OUT_A_DAY))
VolunteerShift.add_index(VolunteerShift.index(VolunteerShift.volunteer, unique=True,
                                              name="volunteer_shift_one_open")
                         .where(ONE_OPEN_SHIFT))

MODELS = [Station, Person, StaffUser, StaffSession, LoginThrottle, Consent, Badge, Service,
          StationService, ActivitySeries, Activity, ActivityService, KioskDevice, Visit,
          ServiceRecord, VolunteerShift, Attendance, HelpRequest, ImportMapping, AuditLog]


def audit(action, *, actor=None, actor_label="", station=None, obj=None, before=None,
          after=None, detail=""):
    """Write one audit-log row; call it inside the transaction of the change it records."""
    return AuditLog.create(
        actor=actor, actor_label=actor_label or (actor.username if actor else ""),
        station=station, action=action,
        object_type=type(obj).__name__ if obj is not None else "",
        object_id=obj.id if obj is not None else None,
        before=json.dumps(before, ensure_ascii=False, default=str) if before is not None else "",
        after=json.dumps(after, ensure_ascii=False, default=str) if after is not None else "",
        detail=detail)
