"""Kiosk devices: enroll a tablet (a one-time link and a short code), name, revoke, last seen."""
from flask import abort, flash, g, redirect, render_template, request, url_for

from core import kiosk_auth
from core.kiosk_auth import ENROLL_HOURS, new_enrollment
from core.i18n import _
from models import KioskDevice, utcnow
from station_admin.blueprint import bp
from station_admin.auth import current_station, permission_required


def device_status(device):
    """'revoked', 'enrolled', 'waiting' or 'expired'."""
    if device.revoked_at is not None:
        return "revoked"
    if device.enrolled_at is not None:
        return "enrolled"
    if device.enroll_expires_at is not None and device.enroll_expires_at >= utcnow():
        return "waiting"
    return "expired"


def _device(device_id, station):
    device = KioskDevice.get_or_none(KioskDevice.id == device_id)
    if device is None or device.station_id != station.id:
        abort(404)
    return device


def _name(errors):
    name = request.form.get("name", "").strip()
    if not name:
        errors.append(_("Please give the device a name, e.g. 前台平板."))
    elif len(name) > 64:
        errors.append(_("The name is too long (at most 64 characters)."))
    return name


def _render(station, errors=(), status=200, **extra):
    devices = list(KioskDevice.select().where(KioskDevice.station == station)
                   .order_by(KioskDevice.revoked_at.is_null(False), KioskDevice.created_at.desc()))
    return render_template("station_admin/kiosks.html", station=station, devices=devices,
                           statuses={d.id: device_status(d) for d in devices},
                           errors=list(errors), hours=ENROLL_HOURS, **extra), status


@bp.route("/kiosks")
@permission_required("manage_kiosks")
def kiosks():
    """The station's kiosk devices."""
    return _render(current_station())[0]


@bp.route("/kiosks/add", methods=["POST"])
@permission_required("manage_kiosks")
def kiosk_add():
    """Prepare a new kiosk: show its one-time link and short code (once)."""
    station = current_station()
    errors = []
    name = _name(errors)
    if errors:
        return _render(station, errors, 422)
    device, code = new_enrollment(name, station, actor=g.user)
    link = url_for("kiosk.enroll", code=code, _external=True)
    return _render(station, new_device=device, link=link, code=code)


@bp.route("/kiosks/<int:device_id>/rename", methods=["POST"])
@permission_required("manage_kiosks")
def kiosk_rename(device_id):
    """Give a kiosk device another name."""
    station = current_station()
    device = _device(device_id, station)
    errors = []
    name = _name(errors)
    if errors:
        return _render(station, errors, 422)
    if kiosk_auth.rename(device, name, actor=g.user):
        flash(_("The device is renamed."))
    return redirect(url_for("station_admin.kiosks"))


@bp.route("/kiosks/<int:device_id>/revoke", methods=["POST"])
@permission_required("manage_kiosks")
def kiosk_revoke(device_id):
    """Revoke a kiosk device at once: it can no longer check anyone in."""
    station = current_station()
    device = _device(device_id, station)
    if device.revoked_at is None:
        kiosk_auth.revoke(device, actor=g.user)
        flash(_("“%(name)s” is revoked. It can no longer check anyone in.", name=device.name))
    return redirect(url_for("station_admin.kiosks"))
