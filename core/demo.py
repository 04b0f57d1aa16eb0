"""A realistic demo station: the service catalogue, residents, volunteers, a week of history."""
import datetime
import random

from core import attendance, people
from models import Activity, ActivityService, Consent, Service, audit, db, utcnow

CATALOGUE = [  # code, 中文, English, pictogram, minutes
    ("rehab", "康复训练", "Rehabilitation exercise", "rehab", 45),
    ("assistive", "辅具适配/租赁", "Assistive devices", "assistive", 30),
    ("meals", "助餐", "Meals", "meals", 30),
    ("daycare", "日间照料", "Day care", "daycare", 120),
    ("counselling", "心理疏导", "Counselling", "counselling", 45),
    ("policy", "政策咨询", "Policy advice", "policy", 20),
    ("errands", "业务代办", "Errands done for you", "errands", 30),
    ("legal", "法律援助", "Legal aid", "legal", 40),
    ("employment", "就业辅导", "Employment support", "employment", 40),
    ("recreation", "文体活动", "Recreation", "recreation", 60),
    ("home_visit", "上门探访", "Home visit", "home_visit", 60),
    ("care", "助浴/义剪/义诊", "Bathing, haircut, health check", "care", 30),
    ("education", "知识宣传", "Talks and information", "education", 30),
]

RESIDENTS = [  # name, sex, birth year, category, level
    ("张秀娟", "女", 1951, 1, 2), ("李建国", "男", 1948, 4, 3), ("王淑芬", "女", 1956, 2, 2),
    ("刘德明", "男", 1962, 4, 1), ("陈桂英", "女", 1945, 7, 2), ("杨志强", "男", 1979, 5, 3),
    ("赵玉兰", "女", 1953, 6, 3), ("黄文华", "男", 1968, 3, 4), ("周凤英", "女", 1950, 4, 4),
    ("吴国庆", "男", 1959, 1, 1), ("欧阳丽娟", "女", 1971, 2, 3), ("孙小龙", "男", 2012, 5, 2),
]
VOLUNTEERS = [("马红梅", "理发, 陪聊"), ("何永刚", "维修, 代办"), ("谢晓燕", "康复辅助"),
              ("邓建华", "法律咨询"), ("冯丽", "文艺, 手工")]


ACTIVITIES = [  # days from today, name, kind, local hour, place (empty: the station), services
    (-5, "手工编织小组", "group", 14, "", ["recreation"]),
    (-3, "康复操课程", "class", 9, "", ["rehab"]),
    (-1, "残疾人权益政策宣讲", "event", 10, "社区文化活动中心", ["policy", "education"]),
    ("Dec 3", "国际残疾人日游园会", "event", 9, "街道广场", ["recreation"]),
]


def ensure_catalogue(station=None):
    """Create the standard catalogue (station-wide entries) if it is missing; return it."""
    services = []
    for order, (code, zh, en, picto, minutes) in enumerate(CATALOGUE):
        service = Service.get_or_none((Service.code == code) & Service.station.is_null())
        if service is None:
            service = Service.create(station=None, code=code, name_zh=zh, name_en=en,
                                     pictogram=picto, sort_order=order * 10,
                                     default_minutes=minutes)
        services.append(service)
    return services


def load(station, days=7, seed=2026):
    """Fill the station with demo people and `days` days of history; a summary of counts."""
    rng = random.Random(seed)
    summary = dict(residents=0, volunteers=0, visits=0, services=0, shifts=0, activities=0)
    with db.atomic():
        services = ensure_catalogue(station)
        residents = []
        for name, sex, year, category, level in RESIDENTS:
            person, _ = people.add_person(station, name, "resident", actor_label="demo",
                                          sex=sex, phone="139%08d" % rng.randrange(10 ** 8),
                                          birth_date=datetime.date(year, rng.randint(1, 12),
                                                                   rng.randint(1, 28)))
            under14 = year > utcnow().year - 14
            Consent.create(person=person, method="paper", given_on=utcnow().date(),
                           given_by="guardian" if under14 else "self",
                           guardian_name="孙建军" if under14 else "",
                           note="演示数据 demo data")
            person.guardian_name = "孙建军" if under14 else ""
            people.set_sensitive(person, category=category, level=level)
            person.save()
            residents.append(person)
        volunteers = []
        for index, (name, skills) in enumerate(VOLUNTEERS):
            person, _ = people.add_person(station, name, "volunteer", actor_label="demo",
                                          skills=skills, volunteer_number="CQ2025%05d" % (index + 1),
                                          phone="138%08d" % rng.randrange(10 ** 8))
            volunteers.append(person)
        summary["residents"], summary["volunteers"] = len(residents), len(volunteers)
        today = attendance.local_date(station)
        for back in range(days, 0, -1):
            day = today - datetime.timedelta(days=back)
            if day.weekday() == 6:  # closed on Sundays
                continue
            for volunteer in rng.sample(volunteers, 2):
                start = attendance.local_to_utc(station, day, datetime.time(9, rng.randint(0, 20)))
                attendance.start_shift(volunteer, station, source="scanner", at=start)
                attendance.end_shift(volunteer, station,
                                     at=start + datetime.timedelta(minutes=rng.randint(120, 240)))
                summary["shifts"] += 1
            for resident in rng.sample(residents, rng.randint(5, 9)):
                arrive = attendance.local_to_utc(
                    station, day, datetime.time(rng.randint(8, 15), rng.randint(0, 59)))
                attendance.check_in(resident, station, source=rng.choice(["camera", "scanner"]),
                                    at=arrive)
                summary["visits"] += 1
                chosen = rng.sample(services, rng.randint(1, 2))
                attendance.record_services(resident, station, chosen,
                                           provider=rng.choice(volunteers + [None]),
                                           at=arrive + datetime.timedelta(minutes=5))
                summary["services"] += len(chosen)
                if rng.random() < 0.7:
                    attendance.check_out(resident, station, at=arrive + datetime.timedelta(
                        minutes=rng.randint(30, 150)))
        by_code = {service.code: service for service in services}
        for offset, name, kind, hour, place, codes in ACTIVITIES:
            if offset == "Dec 3":  # the International Day of Persons with Disabilities
                day = datetime.date(today.year, 12, 3)
                if day <= today:
                    day = datetime.date(today.year + 1, 12, 3)
                offset = (day - today).days
            day = today + datetime.timedelta(days=offset)
            starts = attendance.local_to_utc(station, day, datetime.time(hour, 0))
            activity = Activity.create(
                station=station, name=name, kind=kind, starts_at=starts,
                ends_at=starts + datetime.timedelta(hours=2), local_date=day,
                place=place or station.name, at_station=not place,
                organiser=station.organisation or station.name, capacity=30)
            for code in codes:
                ActivityService.create(activity=activity, service=by_code[code])
            if offset < 0:
                for person in rng.sample(residents, 6) + rng.sample(volunteers, 2):
                    attendance.record_attendance(activity, person, source="scanner",
                                                 at=starts + datetime.timedelta(
                                                     minutes=rng.randint(-10, 15)))
            summary["activities"] += 1
        audit("demo.load", actor_label="demo", station=station, after=summary)
    return summary
