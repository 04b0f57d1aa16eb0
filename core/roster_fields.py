"""The fields a roster column can hold, and the headers stations give them.

    FIELDS                 field -> label, in the order the mapping screen offers them
    recognise(header)      one field (or None) per column, from the header's words
    mapping_problems(m)    what is wrong with a column mapping, in words
"""
import re

from core.i18n import _, lazy_gettext as _l

# field -> label, in the order the mapping screen offers them
FIELDS = {
    "name": _l("Name"),
    "sex": _l("Sex"),
    "birth_date": _l("Birth date"),
    "phone": _l("Phone"),
    "address": _l("Address"),
    "disability_category": _l("Disability category"),
    "disability_level": _l("Disability level"),
    "disability_card": _l("Disability card number"),
    "id_number": _l("ID card number"),
    "guardian_name": _l("Guardian"),
    "guardian_phone": _l("Guardian's phone"),
    "notes": _l("Notes"),
    "kind": _l("Resident or volunteer"),
    "skills": _l("Skills"),
    "volunteer_number": _l("Volunteer number"),
}
SENSITIVE = ("disability_category", "disability_level", "disability_card", "id_number")
KINDS = ("resident", "volunteer")
TEXT_LIMITS = {"address": 200, "guardian_name": 50, "notes": 2000, "skills": 200,
               "volunteer_number": 64}

# Headers as stations write them, compared after norm_header (no spaces, marks or brackets).
HEADER_ALIASES = {
    "name": ["姓名", "名字", "姓 名", "服务对象姓名", "残疾人姓名", "居民姓名", "志愿者姓名",
             "name", "fullname"],
    "sex": ["性别", "sex", "gender"],
    "birth_date": ["出生日期", "出生年月", "出生年月日", "生日", "出生", "出生时间", "birthdate",
                   "birthday", "dateofbirth", "dob"],
    "phone": ["联系电话", "手机", "电话", "手机号", "手机号码", "联系方式", "电话号码", "本人电话",
              "联系手机", "本人手机", "phone", "mobile", "tel", "telephone"],
    "address": ["住址", "地址", "家庭住址", "居住地址", "现住址", "现居住地址", "居住地", "联系地址",
                "家庭地址", "户籍地址", "address"],
    "disability_category": ["残疾类别", "残疾类型", "残疾种类", "类别", "残疾类别代码", "残疾分类",
                            "disabilitycategory", "category"],
    "disability_level": ["残疾等级", "等级", "残疾级别", "级别", "残疾程度", "disabilitylevel",
                         "level"],
    "disability_card": ["残疾人证号", "残疾证号", "残疾人证号码", "残疾证号码", "残疾人证", "残疾证",
                        "残疾人证编号", "残疾证编号", "disabilitycard", "disabilitycardnumber",
                        "cardnumber"],
    "id_number": ["身份证号", "身份证号码", "身份证", "公民身份号码", "身份证件号码", "证件号码",
                  "idnumber", "idcard", "idcardnumber"],
    "guardian_name": ["监护人", "监护人姓名", "紧急联系人", "联系人", "guardian", "guardianname"],
    "guardian_phone": ["监护人电话", "监护人联系电话", "监护人手机", "监护人手机号", "联系人电话",
                       "紧急联系人电话", "紧急联系电话", "guardianphone"],
    "notes": ["备注", "说明", "备注说明", "notes", "note", "remarks", "remark"],
    "kind": ["类型", "身份", "人员类型", "人员类别", "人员身份", "kind", "type"],
    "skills": ["技能", "特长", "技能特长", "专长", "服务技能", "擅长", "skills", "skill"],
    "volunteer_number": ["志愿者编号", "志愿者号", "志愿者证号", "志愿者注册号", "注册编号",
                         "volunteernumber", "volunteerid"],
}
_ALIAS_INDEX = {}


def norm_header(text):
    """A header as compared with the aliases: lower case, no spaces, marks or brackets."""
    return re.sub(r"[\s\*＊:：()（）\[\]【】#＃.。、_\-]", "", str(text or "")).lower()


for _field, _aliases in HEADER_ALIASES.items():
    for _alias in _aliases:
        _ALIAS_INDEX.setdefault(norm_header(_alias), _field)

# When no alias matches exactly: (words that must all appear, field), first match wins.
_HEADER_HINTS = [
    (("监护人", "电话"), "guardian_phone"), (("监护人", "手机"), "guardian_phone"),
    (("联系人", "电话"), "guardian_phone"), (("监护人",), "guardian_name"),
    (("残疾", "证"), "disability_card"), (("身份证",), "id_number"),
    (("残疾", "类"), "disability_category"), (("残疾", "级"), "disability_level"),
    (("出生",), "birth_date"), (("电话",), "phone"), (("手机",), "phone"),
    (("住址",), "address"), (("地址",), "address"), (("姓名",), "name"),
    (("备注",), "notes"), (("志愿者", "编号"), "volunteer_number"), (("特长",), "skills"),
    (("技能",), "skills"),
]




def recognise_header(text):
    """The field a header names, or None."""
    key = norm_header(text)
    if not key:
        return None
    if key in _ALIAS_INDEX:
        return _ALIAS_INDEX[key]
    for words, field in _HEADER_HINTS:
        if all(w in key for w in words):
            return field
    return None


def recognise(header):
    """One field (or None) per column; a field named by two columns goes to the first."""
    taken, fields = set(), []
    for text in header:
        field = recognise_header(text)
        if field in taken:
            field = None
        if field:
            taken.add(field)
        fields.append(field)
    return fields



def mapping_problems(mapping):
    """What is wrong with a mapping, in words (empty when it can be used)."""
    problems = []
    if "name" not in mapping:
        problems.append(_("No column is mapped to Name: every person needs a name."))
    for field in FIELDS:
        if mapping.count(field) > 1:
            problems.append(_("Two columns are mapped to \"%(field)s\"; choose one.",
                              field=FIELDS[field]))
    return problems
