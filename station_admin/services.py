"""The service catalogue: add, rename (Chinese and English), order, pictogram, retire.

Shared entries are the district's (see core/catalogue.py): a station account only chooses
whether its kiosk offers them and where."""
import os

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for

from core import catalogue
from core.i18n import _, lazy_gettext as _l
from models import Service
from station_admin.blueprint import bp
from station_admin.auth import current_station, permission_required
from station_admin.roles import can
from station_admin.ui import parse_int


PICTOGRAM_LABELS = {
    "assistive": _l("Assistive devices"), "care": _l("Care"), "counselling": _l("Counselling"),
    "daycare": _l("Day care"), "education": _l("Talks"), "employment": _l("Employment"),
    "errands": _l("Errands"), "home_visit": _l("Home visit"), "legal": _l("Legal aid"),
    "meals": _l("Meals"), "other": _l("Other"), "policy": _l("Policy advice"),
    "recreation": _l("Recreation"), "rehab": _l("Rehabilitation"),
}


def pictograms():
    """The pictogram names available (static/img/services/<name>.svg)."""
    folder = os.path.join(current_app.static_folder, "img", "services")
    return sorted(name[:-4] for name in os.listdir(folder) if name.endswith(".svg"))


def _service(service_id, station):
    service = Service.get_or_none(Service.id == service_id)
    if service is None or service.station_id not in (None, station.id):
        abort(404)
    return service


def _read_form(errors):
    form = request.form
    values = {"name_zh": form.get("name_zh", "").strip(),
              "name_en": form.get("name_en", "").strip(),
              "pictogram": form.get("pictogram", "other")}
    if not values["name_zh"]:
        errors.append(_("Please give the service's Chinese name."))
    if len(values["name_zh"]) > 50 or len(values["name_en"]) > 80:
        errors.append(_("The name is too long (Chinese at most 50, English at most 80 "
                        "characters)."))
    if values["pictogram"] not in pictograms():
        errors.append(_("Please choose a pictogram."))
    minutes = parse_int(form.get("default_minutes"), 0, 1440)
    if minutes is None:
        errors.append(_("The usual time must be a number of minutes from 0 to 1440."))
    values["default_minutes"] = minutes
    return values


def _district():
    """True when the signed-in account answers for every station (may change shared entries)."""
    return can(g.user.role, "all_stations")


def _render(station, errors=(), form=None, service=None, status=200):
    return render_template("station_admin/services.html", station=station,
                           services=Service.for_station(station, active_only=False),
                           pictos=pictograms(), errors=list(errors), form=form or {},
                           editing=service, district=_district(),
                           picto_labels=PICTOGRAM_LABELS), status


def _shared_refusal():
    return _("This service is shared by every station of the district: only a district "
             "administrator can change it. You can stop offering it here, or add your own "
             "service.")


@bp.route("/services")
@permission_required("manage_services")
def services():
    """The catalogue, in the order the kiosk shows it."""
    return _render(current_station())[0]


@bp.route("/services/add", methods=["POST"])
@permission_required("manage_services")
def service_add():
    """Add a service at the end of the catalogue."""
    station = current_station()
    errors = []
    values = _read_form(errors)
    existing = [s.name_zh for s in Service.for_station(station, active_only=False)]
    if values["name_zh"] in existing:
        errors.append(_("There is already a service with this name."))
    if errors:
        return _render(station, errors, request.form, status=422)
    service = catalogue.add_service(station, values, actor=g.user)
    flash(_("The service “%(name)s” is added.", name=service.name_zh))
    return redirect(url_for("station_admin.services"))


@bp.route("/services/<int:service_id>", methods=["GET", "POST"])
@permission_required("manage_services")
def service_edit(service_id):
    """Rename a service, change its usual time or its pictogram."""
    station = current_station()
    service = _service(service_id, station)
    if service.shared and not _district():
        return _render(station, [_shared_refusal()], status=403)
    if request.method == "GET":
        return _render(station, service=service, form={
            "name_zh": service.name_zh, "name_en": service.name_en,
            "pictogram": service.pictogram, "default_minutes": service.default_minutes})
    errors = []
    values = _read_form(errors)
    if values["name_zh"] != service.name_zh and values["name_zh"] in \
            [s.name_zh for s in Service.for_station(station, active_only=False)]:
        errors.append(_("There is already a service with this name."))
    if errors:
        return _render(station, errors, request.form, service=service, status=422)
    try:
        changed = catalogue.update_service(service, values, actor=g.user,
                                           district=_district(), station=station)
    except catalogue.SharedEntry:
        return _render(station, [_shared_refusal()], status=403)
    if changed:
        flash(_("The service is saved for every station. Past records keep pointing to it.")
              if service.shared else
              _("The service is saved. Past records keep pointing to it."))
    return redirect(url_for("station_admin.services"))


@bp.route("/services/<int:service_id>/move", methods=["POST"])
@permission_required("manage_services")
def service_move(service_id):
    """Move a service one place up or down (in this station's order only)."""
    station = current_station()
    service = _service(service_id, station)
    direction = request.form.get("direction")
    if direction not in ("up", "down"):
        abort(400)
    catalogue.move_service(service, station, direction, actor=g.user)
    return redirect(url_for("station_admin.services") + "#service-%d" % service.id)


@bp.route("/services/<int:service_id>/active", methods=["POST"])
@permission_required("manage_services")
def service_active(service_id):
    """Retire a service (the kiosk no longer offers it; past records stay) or bring it back."""
    station = current_station()
    service = _service(service_id, station)
    active = request.form.get("active") == "1"
    try:
        changed = catalogue.set_offered(service, station, active, actor=g.user,
                                        district=_district())
    except catalogue.RetiredByDistrict:
        return _render(station, [_("The district has retired this shared service for every "
                                   "station; only a district administrator can offer it "
                                   "again.")], status=403)
    if changed:
        name = service.name_zh
        if service.shared and _district():
            flash(_("“%(name)s” is offered again at every station.", name=name) if active
                  else _("“%(name)s” is retired at every station; past records stay.",
                         name=name))
        else:
            flash(_("“%(name)s” is offered again.", name=name) if active
                  else _("“%(name)s” is retired: the kiosk no longer offers it; past records "
                         "stay.", name=name))
    return redirect(url_for("station_admin.services"))
