"""One word, one label: every stored value of the domain is named once (core.vocabulary)."""
import csv
import io
import re

from core import badge_print, vocabulary
from core.attendance import check_in
from core.i18n import merged_catalogue
from core.privacy import erase
from core.stations import default_station
from tests.helpers import connected, gen_person, gen_user, local_today, login_as

TABLES = [
    (vocabulary.PERSON_KINDS, vocabulary.PERSON_KIND_LABELS),
    (vocabulary.PERSON_KINDS, vocabulary.PERSON_KIND_PLURALS),
    (vocabulary.PERSON_KINDS, vocabulary.PERSON_KIND_IN_SENTENCE),
    (vocabulary.SEXES, vocabulary.SEX_LABELS),
    (vocabulary.ID_TYPES, vocabulary.ID_TYPE_LABELS),
    (tuple(vocabulary.DISABILITY_CATEGORIES), vocabulary.DISABILITY_LABELS),
    (vocabulary.DISABILITY_LEVELS, vocabulary.LEVEL_LABELS),
    (vocabulary.SOURCES, vocabulary.SOURCE_LABELS),
    (vocabulary.VISIT_KINDS, vocabulary.VISIT_KIND_LABELS),
    (vocabulary.DAY_STATUSES, vocabulary.DAY_STATUS_LABELS),
    (vocabulary.SHIFT_STATUSES, vocabulary.SHIFT_STATUS_LABELS),
    (vocabulary.ACTIVITY_KINDS, vocabulary.ACTIVITY_KIND_LABELS),
]


def test_every_stored_value_has_one_label_in_chinese():
    """Does each value the database stores have exactly one label, translated into Chinese?"""
    catalogue = merged_catalogue("zh")
    for values, labels in TABLES:
        assert set(labels) == set(values), labels
        for word in labels.values():
            message = catalogue.get(word.msgid)
            assert message is not None and message.string, word.msgid


def test_words_in_chinese_need_no_request():
    """Can a badge or a file print a word in Chinese and English outside any request?"""
    word = vocabulary.PERSON_KIND_LABELS["volunteer"]
    assert vocabulary.in_chinese(word) == "志愿者"
    assert vocabulary.in_english(word) == "Volunteer"
    assert vocabulary.bilingual(vocabulary.VISIT_KIND_LABELS["check_in"], lower=True) \
        == "签到 check-in"
    assert badge_print.kind_style("staff")[:2] == ("工作人员", "Staff member")


def test_models_keep_the_vocabularys_values():
    """Do the tables' value lists come from the vocabulary, not from a second copy?"""
    import models
    assert models.PERSON_KINDS is vocabulary.PERSON_KINDS
    assert models.SHIFT_STATUSES is vocabulary.SHIFT_STATUSES
    assert models.DISABILITY_CATEGORIES is vocabulary.DISABILITY_CATEGORIES


def _checked_in(app, client, kind, name, erased=False):
    """A person of that kind checked in today by staff (then erased if asked); admin signed in."""
    with connected(app):
        person, _payload = gen_person(kind, name=name)
        check_in(person, default_station(), source="staff")
        admin = gen_user("admin")
        if erased:
            erase(person, actor=admin)
    login_as(client, admin)
    return person


def _log_file(client):
    """Today's log as CSV rows."""
    return list(csv.reader(io.StringIO(client.get(
        "/admin/reports/log?date=%s&format=csv" % local_today().isoformat())
        .data.decode("utf-8-sig"))))


def test_an_erased_person_reads_the_same_everywhere(app, client):
    """Is an erased person shown as the same placeholder on the log, the report and the file?"""
    person = _checked_in(app, client, "resident", "林晓梅", erased=True)
    placeholder = "（已删除 #%d）" % person.id
    log_page = client.get("/admin/log?date=%s" % local_today()).get_data(as_text=True)
    assert placeholder in log_page and "林晓梅" not in log_page
    person_page = client.get("/admin/people/%d" % person.id).get_data(as_text=True)
    assert placeholder in person_page
    assert [row[2] for row in _log_file(client)[1:]] == [placeholder]


def test_the_log_file_names_each_column_and_entry_in_both_languages(app, client):
    """Does the log file name its columns and entries in Chinese, then in English?"""
    _checked_in(app, client, "volunteer", "何永刚")
    rows = _log_file(client)
    assert rows[0] == ["时间 Time", "类型 Type", "姓名 Name", "类别 Kind", "服务内容 Service",
                       "服务者 Provider", "分钟 Minutes", "来源 Source", "状态 Status",
                       "备注 Note"]
    assert rows[1][1:4] == ["签到 check-in", "何永刚", "志愿者"]


def test_the_kind_of_person_has_one_word_on_every_screen(app, client):
    """Is a staff member's kind 工作人员 in the people list, the badge filter and today's list?"""
    _checked_in(app, client, "staff", "陈站长")
    people = client.get("/admin/people?kind=staff").get_data(as_text=True)
    assert re.search(r"陈站长</a></td>\s*<td>工作人员</td>", people)
    badges = client.get("/admin/badges?kind=staff").get_data(as_text=True)
    assert '<option value="staff" selected>工作人员</option>' in badges
    today = client.get("/admin/").get_data(as_text=True)
    assert re.search(r"陈站长.{0,200}<td>工作人员</td>", today, re.S)
