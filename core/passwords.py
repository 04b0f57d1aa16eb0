"""Staff passwords: a slow salted hash, and the rule a new password must meet.

The rule (NIST SP 800-63B's, in short): at least 8 characters, at most 200, and not easy to
guess. "Easy to guess" is judged by zxcvbn (pinned in requirements.txt), which knows the
common passwords of public leaks, keyboard walks, repeats, sequences and dates; it is also
given the words people here reach for first (pinyin favourites, the station's own names, the
user name), which no English list holds.
"""
from werkzeug.security import check_password_hash, generate_password_hash

from core.i18n import _

MIN_LENGTH = 8
MAX_LENGTH = 200
# zxcvbn's score: 0-1 fall to an online attacker even when slowed; 2 and up do not.
MIN_SCORE = 2

# Favourites of Chinese password lists that zxcvbn's English lists do not hold.
LOCAL_FAVOURITES = ["woaini", "aini", "woaini1314", "mima", "5201314", "1314520", "1314",
                    "520", "zhongguo", "beijing", "chongqing", "yizhan", "shegong", "canlian",
                    "zhangwei", "wangwei", "liwei", "wangfang", "liuyang", "qq", "admin",
                    "station", "kiosk", "guanliyuan", "qwer", "asdf", "zxcv"]


def hash_password(password):
    """A salted, slow hash of a staff password."""
    return generate_password_hash(password, method="scrypt")


def verify_password(password_hash, password):
    """True when the password matches the stored hash."""
    return check_password_hash(password_hash, password)


def password_problem(password, *, username="", words=()):
    """Why a new password is not acceptable (a sentence), or None when it is.

    ``words``: more words the password must not be built from (the station's name, code).
    """
    if len(password) < MIN_LENGTH:
        return _("The password must have at least 8 characters.")
    if len(password) > MAX_LENGTH:
        return _("The password is too long.")
    from zxcvbn import zxcvbn  # loads its word lists: only when a password is set
    inputs = LOCAL_FAVOURITES + [w for w in (username, *words) if w]
    if zxcvbn(password[:100], user_inputs=inputs)["score"] < MIN_SCORE:
        return _("This password is too easy to guess (a common password, a name, a date or "
                 "a keyboard pattern). Please choose another: three or four unrelated words "
                 "make a good one.")
    return None
