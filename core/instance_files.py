"""The instance folder holds the database, the keys, the backups and the logs: personal data
and secrets. Whoever starts the server or a command (systemd's UMask=0077, `make run` in a
shell with umask 022, the Windows script), its files are readable by that account only.
"""
import os
import stat

PRIVATE_UMASK = 0o077


def make_private(instance_path, also=()):
    """From now on this process creates files for its own account only (umask 077); the
    instance folder and everything already in it (and the folders in `also`, such as a
    BACKUP_DIR elsewhere) are made so too. Returns the paths whose mode was tightened."""
    os.umask(PRIVATE_UMASK)
    tightened = []
    for top in (instance_path, *also):
        if not top or not os.path.isdir(top):
            continue
        for folder, dirs, files in os.walk(top):
            for path, mode in [(folder, 0o700)] + [(os.path.join(folder, f), 0o600)
                                                   for f in files]:
                if _tighten(path, mode):
                    tightened.append(path)
            dirs[:] = [d for d in dirs if not os.path.islink(os.path.join(folder, d))]
    return tightened


def _tighten(path, mode):
    """Remove group and other permissions from a file or folder this account owns."""
    try:
        info = os.lstat(path)
    except OSError:
        return False
    if stat.S_ISLNK(info.st_mode) or (hasattr(os, "getuid") and info.st_uid != os.getuid()):
        return False  # not ours to change (a link, or a file another account put there)
    if stat.S_IMODE(info.st_mode) & 0o077 == 0:
        return False
    os.chmod(path, stat.S_IMODE(info.st_mode) & mode)
    return True
