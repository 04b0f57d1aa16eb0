"""Import the station's roster: upload → columns → preview → confirm → result.

The uploaded file waits between the steps in instance/imports/<token>.bin (never in the
session cookie; core/waiting_uploads.py), beside a small JSON file with the choices made so
far; it is deleted once imported, and anything left there is deleted after a day.
"""
import datetime
import json
import os
import re
import secrets
import time

from flask import (abort, current_app, flash, g, redirect, render_template, request, send_file,
                   url_for)

from core import roster_import, waiting_uploads
from core.clock import local_date
from core.i18n import _
from core.roster_fields import KINDS
from core.vocabulary import PERSON_KIND_PLURALS
from models import audit, db, utcnow
from station_admin.blueprint import bp
from station_admin.auth import current_station, permission_required
from station_admin.roles import can

KEEP_SECONDS = 24 * 3600
SAMPLE_ROWS = 3
SAMPLE_CHARS = 40  # the mapping page shows a glimpse of each column, never the whole file
_TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{24}$")


# --- the waiting room for uploaded files -----------------------------------------------------

def _folder():
    return waiting_uploads.folder(current_app.instance_path)


def _path(token, suffix):
    return os.path.join(_folder(), token + suffix)


def _clean_old():
    """Delete uploads, choices and error reports older than a day."""
    limit = time.time() - KEEP_SECONDS
    for name in os.listdir(_folder()):
        path = os.path.join(_folder(), name)
        try:
            if os.path.getmtime(path) < limit:
                os.remove(path)
        except OSError:
            pass


def _private(path, mode="wb"):
    """Open a new file only this server's user may read: rosters hold personal data."""
    return os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), mode,
                     **({"encoding": "utf-8"} if "b" not in mode else {}))


def _write_meta(token, meta):
    tmp = _path(token, ".json.tmp")
    with _private(tmp, "w") as fh:
        json.dump(meta, fh, ensure_ascii=False)
    os.replace(tmp, _path(token, ".json"))


def _load(token):
    """The choices of an upload made by the signed-in account at this station, or 404."""
    if not _TOKEN_RE.match(token or ""):
        abort(404)
    _clean_old()
    try:
        with open(_path(token, ".json"), encoding="utf-8") as fh:
            meta = json.load(fh)
    except (OSError, ValueError):
        abort(404)
    if meta.get("user") != g.user.id or meta.get("station") != current_station().id:
        abort(404)
    return meta


def _table(token, meta):
    """The uploaded file read again, or back to the start when it is gone."""
    try:
        with open(_path(token, ".bin"), "rb") as fh:
            data = fh.read()
    except OSError:
        return None
    return roster_import.read_table(data, meta["filename"], meta.get("sheet") or None)


def _gone():
    flash(_("That upload is no longer here (it is kept for a day). Please upload the file "
            "again."))
    return redirect(url_for("station_admin.import_people"))


def _consent(meta):
    saved = meta.get("consent")
    if not saved:
        return None
    consent = roster_import.Consented(
        method=saved["method"], given_on=datetime.date.fromisoformat(saved["given_on"]),
        recorded_by=g.user, note="roster import: %s" % meta["filename"][:100])
    return consent


# --- step 1: upload ---------------------------------------------------------------------------

@bp.route("/import", methods=["GET", "POST"])
@permission_required("import_people")
def import_people():
    """Upload a roster (XLSX or CSV) of residents or volunteers."""
    _clean_old()
    error = None
    kind = request.form.get("kind", "resident")
    if kind not in roster_import.KINDS:
        kind = "resident"
    if request.method == "POST":
        upload = request.files.get("file")
        data = upload.read() if upload is not None else b""
        filename = os.path.basename((upload.filename or "") if upload is not None else "")
        if upload is None or not filename:
            error = _("Choose the roster file to upload.")
        else:
            try:
                table = roster_import.read_table(data, filename)
            except roster_import.ImportFileError as problem:
                error = str(problem)
        if error is None:
            token = secrets.token_urlsafe(18)
            with _private(_path(token, ".bin")) as fh:
                fh.write(data)
            _write_meta(token, {"station": current_station().id, "user": g.user.id,
                                "filename": filename[:200], "kind": kind, "sheet": table.sheet,
                                "uploaded_at": utcnow().isoformat(), "mapping": None,
                                "consent": None, "result": None})
            return redirect(url_for("station_admin.import_mapping", token=token))
    return render_template("station_admin/import.html", error=error, kind=kind,
                           kinds=_kind_labels()), 400 if error else 200


def _kind_labels():
    return [(kind, PERSON_KIND_PLURALS[kind]) for kind in KINDS]


# --- step 2: columns and consent ----------------------------------------------------------------

def _samples(table, mapping):
    """A few values of each column so staff can tell the columns apart; sensitive ones hidden."""
    samples = []
    for index in range(len(table.header)):
        values = []
        for _line, cells in table.rows:
            value = roster_import.cell_text(cells[index])
            if value:
                values.append(_glimpse(value))
                if len(values) == SAMPLE_ROWS:
                    break
        if mapping[index] in roster_import.SENSITIVE and values:
            values = [_("(hidden: sensitive information)")]
        samples.append(values)
    return samples


def _glimpse(text):
    """The start of a value, cut at SAMPLE_CHARS characters."""
    return text if len(text) <= SAMPLE_CHARS else text[:SAMPLE_CHARS] + "…"


@bp.route("/import/<token>/mapping", methods=["GET", "POST"])
@permission_required("import_people")
def import_mapping(token):
    """Say which column holds what (recognised headers are pre-filled) and how consent was got."""
    meta = _load(token)
    if meta.get("result"):
        return redirect(url_for("station_admin.import_result", token=token))
    station = current_station()
    try:
        table = _table(token, meta)
    except roster_import.ImportFileError as problem:
        flash(str(problem))
        return redirect(url_for("station_admin.import_people"))
    if table is None:
        return _gone()
    may_consent = can(g.user.role, "record_consent")
    errors = []
    if request.method == "POST":
        sheet = request.form.get("sheet", "")
        if sheet and sheet in table.sheets and sheet != table.sheet:
            meta.update(sheet=sheet, mapping=None)
            _write_meta(token, meta)
            return redirect(url_for("station_admin.import_mapping", token=token))
        mapping = []
        for index in range(len(table.header)):
            field = request.form.get("col-%d" % index, "")
            mapping.append(field if field in roster_import.FIELDS else None)
        kind = request.form.get("kind", meta["kind"])
        meta["kind"] = kind if kind in roster_import.KINDS else "resident"
        errors += roster_import.mapping_problems(mapping)
        consent = None
        method = request.form.get("consent", "none") if may_consent else "none"
        if method != "none":
            try:
                consent = roster_import.check_consent(
                    method, request.form.get("consent_date", ""), today=local_date(station))
            except roster_import.RowProblem as problem:
                errors.append(str(problem))
        meta["mapping"] = mapping
        meta["consent"] = ({"method": consent.method, "given_on": consent.given_on.isoformat()}
                           if consent else None)
        if not errors:
            _write_meta(token, meta)
            return redirect(url_for("station_admin.import_preview", token=token))
        remembered = False
        form_consent = {"method": method, "given_on": request.form.get("consent_date", "")}
    else:
        if meta.get("mapping") is not None:
            mapping, remembered = meta["mapping"], False
        else:
            mapping, remembered = roster_import.mapping_for(station, table)
        form_consent = meta.get("consent") or {"method": "none", "given_on": ""}
    columns = [(index, _glimpse(table.column_label(index)), mapping[index])
               for index in range(len(table.header))]
    return render_template(
        "station_admin/import_mapping.html", token=token, meta=meta, table=table,
        columns=columns, samples=_samples(table, mapping), fields=roster_import.FIELDS,
        remembered=remembered, errors=errors, may_consent=may_consent,
        form_consent=form_consent, kinds=_kind_labels(),
        today=local_date(station).isoformat()), 400 if errors else 200


# --- step 3: preview ----------------------------------------------------------------------------

def _action_labels():
    return {"new": _("New person"), "update": _("Update an existing person"),
            "skip": _("Skip (already there)"), "error": _("Error: not imported")}


def _step_elsewhere(token, meta):
    """The step an upload belongs at when it is not ready to preview or apply, else None."""
    if meta.get("result"):
        return redirect(url_for("station_admin.import_result", token=token))
    if meta.get("mapping") is None:
        return redirect(url_for("station_admin.import_mapping", token=token))
    return None


@bp.route("/import/<token>/preview")
@permission_required("import_people")
def import_preview(token):
    """What the import would do, row by row. Nothing is written."""
    meta = _load(token)
    elsewhere = _step_elsewhere(token, meta)
    if elsewhere is not None:
        return elsewhere
    try:
        table = _table(token, meta)
        if table is None:
            return _gone()
        result = roster_import.preview(current_station(), table, meta["mapping"],
                                       default_kind=meta["kind"], consent=_consent(meta))
    except roster_import.ImportFileError as problem:
        flash(str(problem))
        return redirect(url_for("station_admin.import_mapping", token=token))
    return render_template("station_admin/import_preview.html", token=token, meta=meta,
                           table=table, result=result, labels=_action_labels(),
                           consent=meta.get("consent"))


@bp.route("/import/<token>/apply", methods=["POST"])
@permission_required("import_people")
def import_apply(token):
    """Write every valid row in one transaction; keep the error report for download."""
    meta = _load(token)
    elsewhere = _step_elsewhere(token, meta)
    if elsewhere is not None:
        return elsewhere
    working = _path(token, ".applying")
    try:
        os.rename(_path(token, ".bin"), working)  # a second click finds nothing to import
    except OSError:
        return _gone()
    try:
        with open(working, "rb") as fh:
            table = roster_import.read_table(fh.read(), meta["filename"],
                                             meta.get("sheet") or None)
        result = roster_import.apply(current_station(), table, meta["mapping"],
                                     default_kind=meta["kind"], consent=_consent(meta),
                                     actor=g.user)
    except Exception:
        os.rename(working, _path(token, ".bin"))
        raise
    os.remove(working)
    if result.errors:
        with _private(_path(token, ".errors.xlsx")) as fh:
            fh.write(roster_import.error_report(table, result.preview.plans))
    meta["result"] = {"created": result.created, "updated": result.updated,
                      "unchanged": result.unchanged, "skipped": result.skipped,
                      "errors": len(result.errors), "consents": result.consents,
                      "sensitive_dropped": result.preview.sensitive_dropped}
    _write_meta(token, meta)
    return redirect(url_for("station_admin.import_result", token=token))


@bp.route("/import/<token>/cancel", methods=["POST"])
@permission_required("import_people")
def import_cancel(token):
    """Forget an upload without importing it."""
    _load(token)
    for suffix in (".bin", ".json"):
        try:
            os.remove(_path(token, suffix))
        except OSError:
            pass
    flash(_("The upload was discarded; nothing was imported."))
    return redirect(url_for("station_admin.import_people"))


# --- step 4: result -----------------------------------------------------------------------------

@bp.route("/import/<token>/result")
@permission_required("import_people")
def import_result(token):
    """What was imported, the error report, and badges for everyone imported."""
    meta = _load(token)
    result = meta.get("result")
    if not result:
        return redirect(url_for("station_admin.import_preview", token=token))
    badge_links = []
    if "station_admin.badges" in current_app.view_functions \
            and can(g.user.role, "manage_badges"):
        everyone = result["created"] + result["updated"] + result["unchanged"]
        if result["created"]:
            badge_links.append((url_for("station_admin.badges",
                                        ids=",".join(map(str, result["created"]))),
                                _("Print badges for the %(count)d new people",
                                  count=len(result["created"]))))
        if len(everyone) > len(result["created"]):
            badge_links.append((url_for("station_admin.badges", ids=",".join(map(str, everyone))),
                                _("Print badges for everyone in the file (%(count)d)",
                                  count=len(everyone))))
    people_link = (url_for("station_admin.people")
                   if "station_admin.people" in current_app.view_functions else None)
    report = os.path.exists(_path(token, ".errors.xlsx"))
    return render_template("station_admin/import_result.html", token=token, meta=meta,
                           result=result, badge_links=badge_links, people_link=people_link,
                           report=report)


@bp.route("/import/<token>/errors.xlsx")
@permission_required("import_people")
def import_errors(token):
    """The refused rows with their reasons, as XLSX (audited: it holds personal data)."""
    meta = _load(token)
    path = _path(token, ".errors.xlsx")
    if not os.path.exists(path):
        return _gone()
    with db.atomic():
        audit("import.error_report", actor=g.user, station=current_station(),
              detail="%s: %d rows" % (meta["filename"][:100], meta["result"]["errors"]))
    stem = os.path.splitext(meta["filename"])[0] or "roster"
    return send_file(path, as_attachment=True, download_name="%s-错误.xlsx" % stem,
                     mimetype="application/vnd.openxmlformats-officedocument."
                              "spreadsheetml.sheet", max_age=0)
