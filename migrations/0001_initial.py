"""Schema version 1: every table of the station.

A frozen copy of the models as they were at this version, independent of
models.py, so that later migrations apply on top of it unchanged. Python-side
defaults (timestamps) are not part of the DDL and are left out.
"""
from peewee import *


def up(migrator, db):
    class Station(Model):
        code = CharField(unique=True, max_length=32)
        name = CharField(max_length=100)
        timezone = CharField(max_length=64, default='Asia/Shanghai')
        address = CharField(max_length=200, default='')
        organisation = CharField(max_length=200, default='')
        person_in_charge = CharField(max_length=50, default='')
        contact_phone = CharField(max_length=50, default='')
        language = CharField(max_length=8, default='zh')
        closing_time = TimeField()
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'station'
    db.create_tables([Station])

    class Person(Model):
        station = ForeignKeyField(Station, on_delete='RESTRICT')
        kind = CharField(index=True, max_length=16)
        name = CharField(null=True, max_length=50)
        sex = CharField(max_length=8, default='')
        birth_date = DateField(null=True)
        phone = CharField(max_length=32, default='')
        address = CharField(max_length=200, default='')
        guardian_name = CharField(max_length=50, default='')
        guardian_phone = CharField(max_length=32, default='')
        notes = TextField(default='')
        skills = CharField(max_length=200, default='')
        volunteer_number = CharField(max_length=64, default='')
        id_type = CharField(max_length=20, default='')
        id_number = CharField(max_length=32, default='')
        disability_category = IntegerField(null=True)
        disability_level = IntegerField(null=True)
        disability_card = CharField(max_length=40, default='')
        disability_card_raw = CharField(max_length=64, default='')
        active = BooleanField(default=True)
        created_at = DateTimeField()
        erased_at = DateTimeField(null=True)
        class Meta:
            database = db
            table_name = 'person'
            indexes = ((('station', 'kind'), False),)
    db.create_tables([Person])

    class StaffUser(Model):
        username = CharField(unique=True, max_length=64)
        password_hash = CharField(max_length=256)
        role = CharField(index=True, max_length=20)
        display_name = CharField(max_length=50, default='')
        station = ForeignKeyField(Station, null=True, on_delete='RESTRICT')
        person = ForeignKeyField(Person, null=True, on_delete='SET NULL')
        active = BooleanField(default=True)
        failed_logins = IntegerField(default=0)
        locked_at = DateTimeField(null=True)
        language = CharField(max_length=8, default='')
        last_login_at = DateTimeField(null=True)
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'staff_user'
    db.create_tables([StaffUser])

    class ActivitySeries(Model):
        station = ForeignKeyField(Station, on_delete='CASCADE')
        name = CharField(max_length=100)
        kind = CharField(max_length=16, default='class')
        notes = TextField(default='')
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'activity_series'
    db.create_tables([ActivitySeries])

    class Activity(Model):
        station = ForeignKeyField(Station, on_delete='CASCADE')
        series = ForeignKeyField(ActivitySeries, null=True, on_delete='SET NULL')
        name = CharField(max_length=100)
        kind = CharField(max_length=16, default='group')
        starts_at = DateTimeField()
        ends_at = DateTimeField(null=True)
        local_date = DateField(index=True)
        place = CharField(max_length=200, default='')
        at_station = BooleanField(default=True)
        organiser = CharField(max_length=100, default='')
        capacity = IntegerField(null=True)
        notes = TextField(default='')
        created_by = ForeignKeyField(StaffUser, null=True, on_delete='SET NULL')
        created_at = DateTimeField()
        cancelled_at = DateTimeField(null=True)
        cancel_reason = CharField(max_length=200, default='')
        class Meta:
            database = db
            table_name = 'activity'
    db.create_tables([Activity])

    class Service(Model):
        station = ForeignKeyField(Station, null=True, on_delete='CASCADE')
        code = CharField(max_length=32)
        name_zh = CharField(max_length=50)
        name_en = CharField(max_length=80, default='')
        pictogram = CharField(max_length=64, default='other')
        sort_order = IntegerField(default=0)
        default_minutes = IntegerField(default=30)
        active = BooleanField(default=True)
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'service'
            indexes = ((('station', 'code'), True),)
    db.create_tables([Service])

    class ActivityService(Model):
        activity = ForeignKeyField(Activity, on_delete='CASCADE')
        service = ForeignKeyField(Service, on_delete='CASCADE')
        class Meta:
            database = db
            table_name = 'activity_service'
            indexes = ((('activity', 'service'), True),)
    db.create_tables([ActivityService])

    class KioskDevice(Model):
        station = ForeignKeyField(Station, on_delete='CASCADE')
        name = CharField(max_length=64)
        key_hash = CharField(unique=True, null=True, max_length=64)
        enroll_code_hash = CharField(unique=True, null=True, max_length=64)
        enroll_expires_at = DateTimeField(null=True)
        enrolled_at = DateTimeField(null=True)
        revoked_at = DateTimeField(null=True)
        last_seen_at = DateTimeField(null=True)
        activity = ForeignKeyField(Activity, null=True, on_delete='SET NULL')
        language = CharField(max_length=8, default='')
        created_by = ForeignKeyField(StaffUser, null=True, on_delete='SET NULL')
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'kiosk_device'
    db.create_tables([KioskDevice])

    class Attendance(Model):
        recorded_by = ForeignKeyField(StaffUser, field=StaffUser.id, null=True, on_delete='SET NULL')
        recorded_at = DateTimeField()
        voided_at = DateTimeField(null=True)
        voided_by = ForeignKeyField(StaffUser, field=StaffUser.id, null=True, on_delete='SET NULL')
        void_reason = CharField(max_length=200, default='')
        activity = ForeignKeyField(Activity, on_delete='CASCADE')
        person = ForeignKeyField(Person, on_delete='RESTRICT')
        at = DateTimeField()
        source = CharField(max_length=10, default='scanner')
        device = ForeignKeyField(KioskDevice, null=True, on_delete='SET NULL')
        client_id = CharField(unique=True, null=True, max_length=64)
        class Meta:
            database = db
            table_name = 'attendance'
            indexes = ((('activity', 'person'), True),)
    db.create_tables([Attendance])

    class AuditLog(Model):
        at = DateTimeField(index=True)
        actor = ForeignKeyField(StaffUser, null=True, on_delete='SET NULL')
        actor_label = CharField(max_length=64, default='')
        station = ForeignKeyField(Station, null=True, on_delete='SET NULL')
        action = CharField(index=True, max_length=64)
        object_type = CharField(max_length=32, default='')
        object_id = IntegerField(null=True)
        before = TextField(default='')
        after = TextField(default='')
        detail = TextField(default='')
        class Meta:
            database = db
            table_name = 'audit_log'
    db.create_tables([AuditLog])

    class Badge(Model):
        person = ForeignKeyField(Person, on_delete='CASCADE')
        serial = IntegerField()
        token_hash = CharField(unique=True, max_length=64)
        issued_at = DateTimeField()
        issued_by = ForeignKeyField(StaffUser, null=True, on_delete='SET NULL')
        revoked_at = DateTimeField(null=True)
        revoked_by = ForeignKeyField(StaffUser, null=True, on_delete='SET NULL')
        revoke_reason = CharField(max_length=200, default='')
        printed_at = DateTimeField(null=True)
        class Meta:
            database = db
            table_name = 'badge'
            indexes = ((('person', 'serial'), True),)
    db.create_tables([Badge])

    class Consent(Model):
        person = ForeignKeyField(Person, on_delete='CASCADE')
        scope = CharField(max_length=32, default='sensitive')
        method = CharField(max_length=32)
        given_by = CharField(max_length=16, default='self')
        guardian_name = CharField(max_length=50, default='')
        given_on = DateField()
        recorded_by = ForeignKeyField(StaffUser, null=True, on_delete='SET NULL')
        recorded_at = DateTimeField()
        withdrawn_at = DateTimeField(null=True)
        note = TextField(default='')
        class Meta:
            database = db
            table_name = 'consent'
    db.create_tables([Consent])

    class HelpRequest(Model):
        station = ForeignKeyField(Station, on_delete='CASCADE')
        device = ForeignKeyField(KioskDevice, null=True, on_delete='SET NULL')
        created_at = DateTimeField()
        client_id = CharField(unique=True, null=True, max_length=64)
        resolved_at = DateTimeField(null=True)
        resolved_by = ForeignKeyField(StaffUser, null=True, on_delete='SET NULL')
        note = CharField(max_length=200, default='')
        class Meta:
            database = db
            table_name = 'help_request'
    db.create_tables([HelpRequest])

    class ImportMapping(Model):
        station = ForeignKeyField(Station, null=True, on_delete='CASCADE')
        header_signature = CharField(max_length=64)
        mapping = TextField()
        updated_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'import_mapping'
            indexes = ((('station', 'header_signature'), True),)
    db.create_tables([ImportMapping])

    class ServiceRecord(Model):
        recorded_by = ForeignKeyField(StaffUser, field=StaffUser.id, null=True, on_delete='SET NULL')
        recorded_at = DateTimeField()
        voided_at = DateTimeField(null=True)
        voided_by = ForeignKeyField(StaffUser, field=StaffUser.id, null=True, on_delete='SET NULL')
        void_reason = CharField(max_length=200, default='')
        station = ForeignKeyField(Station, on_delete='RESTRICT')
        recipient = ForeignKeyField(Person, on_delete='RESTRICT')
        service = ForeignKeyField(Service, on_delete='RESTRICT')
        provider = ForeignKeyField(Person, null=True, on_delete='RESTRICT')
        activity = ForeignKeyField(Activity, null=True, on_delete='SET NULL')
        at = DateTimeField()
        local_date = DateField()
        minutes = IntegerField(null=True)
        note = TextField(default='')
        source = CharField(max_length=10, default='scanner')
        device = ForeignKeyField(KioskDevice, null=True, on_delete='SET NULL')
        client_id = CharField(unique=True, null=True, max_length=80)
        class Meta:
            database = db
            table_name = 'service_record'
            indexes = ((('station', 'local_date'), False), (('recipient', 'local_date'), False))
    db.create_tables([ServiceRecord])

    class Visit(Model):
        recorded_by = ForeignKeyField(StaffUser, field=StaffUser.id, null=True, on_delete='SET NULL')
        recorded_at = DateTimeField()
        voided_at = DateTimeField(null=True)
        voided_by = ForeignKeyField(StaffUser, field=StaffUser.id, null=True, on_delete='SET NULL')
        void_reason = CharField(max_length=200, default='')
        station = ForeignKeyField(Station, on_delete='RESTRICT')
        person = ForeignKeyField(Person, on_delete='RESTRICT')
        kind = CharField(max_length=10)
        at = DateTimeField()
        local_date = DateField()
        source = CharField(max_length=10, default='scanner')
        device = ForeignKeyField(KioskDevice, null=True, on_delete='SET NULL')
        client_id = CharField(unique=True, null=True, max_length=64)
        class Meta:
            database = db
            table_name = 'visit'
            indexes = ((('station', 'local_date'), False), (('person', 'local_date'), False))
    db.create_tables([Visit])

    class VolunteerShift(Model):
        recorded_by = ForeignKeyField(StaffUser, field=StaffUser.id, null=True, on_delete='SET NULL')
        recorded_at = DateTimeField()
        voided_at = DateTimeField(null=True)
        voided_by = ForeignKeyField(StaffUser, field=StaffUser.id, null=True, on_delete='SET NULL')
        void_reason = CharField(max_length=200, default='')
        station = ForeignKeyField(Station, on_delete='RESTRICT')
        volunteer = ForeignKeyField(Person, on_delete='RESTRICT')
        activity = ForeignKeyField(Activity, null=True, on_delete='SET NULL')
        started_at = DateTimeField()
        ended_at = DateTimeField(null=True)
        local_date = DateField()
        minutes = IntegerField(null=True)
        content = CharField(max_length=200, default='')
        place = CharField(max_length=200, default='')
        organiser = CharField(max_length=200, default='')
        status = CharField(max_length=10, default='pending')
        auto_closed = BooleanField(default=False)
        confirmed_by = ForeignKeyField(StaffUser, null=True, on_delete='SET NULL')
        confirmed_at = DateTimeField(null=True)
        source = CharField(max_length=10, default='scanner')
        device = ForeignKeyField(KioskDevice, null=True, on_delete='SET NULL')
        client_id = CharField(unique=True, null=True, max_length=64)
        end_client_id = CharField(unique=True, null=True, max_length=64)
        class Meta:
            database = db
            table_name = 'volunteer_shift'
            indexes = ((('station', 'local_date'), False), (('volunteer', 'ended_at'), False))
    db.create_tables([VolunteerShift])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('volunteer_shift'))
    migrator.migrate(migrator.drop_table('visit'))
    migrator.migrate(migrator.drop_table('service_record'))
    migrator.migrate(migrator.drop_table('import_mapping'))
    migrator.migrate(migrator.drop_table('help_request'))
    migrator.migrate(migrator.drop_table('consent'))
    migrator.migrate(migrator.drop_table('badge'))
    migrator.migrate(migrator.drop_table('audit_log'))
    migrator.migrate(migrator.drop_table('attendance'))
    migrator.migrate(migrator.drop_table('kiosk_device'))
    migrator.migrate(migrator.drop_table('activity_service'))
    migrator.migrate(migrator.drop_table('service'))
    migrator.migrate(migrator.drop_table('activity'))
    migrator.migrate(migrator.drop_table('activity_series'))
    migrator.migrate(migrator.drop_table('staff_user'))
    migrator.migrate(migrator.drop_table('person'))
    migrator.migrate(migrator.drop_table('station'))
