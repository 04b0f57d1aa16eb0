"""Roster uploads waiting between the steps of an import (instance/imports/<token>.*).

The admin's import screens keep the uploaded file there for a day (never in the session
cookie), beside a JSON file of the choices made and, after the import, the error report.
They are copies of personal data, so erasing a person also deletes every waiting file that
names them (``discard_holding``).
"""
import io
import os
import zipfile
from xml.sax.saxutils import escape

from core import table_files

FOLDER = "imports"
SUFFIXES = (".bin", ".applying", ".errors.xlsx", ".json")


def folder(instance_path):
    """The folder of waiting uploads, created private to the server's user."""
    path = os.path.join(instance_path, FOLDER)
    os.makedirs(path, mode=0o700, exist_ok=True)
    return path


def _text(data):
    """The text a waiting file holds (every part of a workbook), or "" when unreadable."""
    if data[:4] == b"PK\x03\x04":
        try:
            table_files.check_workbook_zip(data)
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                return "\n".join(archive.read(part).decode("utf-8", "replace")
                                 for part in archive.namelist())
        except (table_files.ImportFileError, zipfile.BadZipFile, OSError, ValueError):
            return ""
    try:
        return table_files.decode_text(data)
    except table_files.ImportFileError:
        return data.decode("utf-8", "replace")


def discard_holding(instance_path, needles):
    """Delete the waiting uploads (all files of a token) that hold any needle; how many."""
    path = folder(instance_path)
    needles = [n for n in needles if n]
    needles += [escape(n) for n in needles if escape(n) != n]  # as XML writes them
    tokens = {}
    for name in os.listdir(path):
        for suffix in SUFFIXES:
            if name.endswith(suffix):
                tokens.setdefault(name[:-len(suffix)], []).append(name)
                break
    discarded = 0
    for token, names in tokens.items():
        found = False
        for name in names:
            try:
                with open(os.path.join(path, name), "rb") as fh:
                    data = fh.read(table_files.MAX_FILE_BYTES + 1)
            except OSError:
                continue
            text = _text(data)
            if any(n in text for n in needles):
                found = True
                break
        if found:
            for name in names:
                try:
                    os.remove(os.path.join(path, name))
                except OSError:
                    pass
            discarded += 1
    return discarded
