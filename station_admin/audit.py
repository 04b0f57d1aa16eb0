"""The audit log: who did what, when, with the values before and after. Read only."""
import datetime

from flask import g, render_template, request

from core.clock import local_to_utc
from models import AuditLog
from station_admin.blueprint import bp
from station_admin.auth import current_station, permission_required
from station_admin.roles import can
from station_admin.ui import parse_date, parse_int

PAGE_SIZE = 100
MAX_PAGE = 10 ** 6


@bp.route("/audit")
@permission_required("view_audit")
def audit_log():
    """The audit log, newest first, filtered by action, person acting, object and dates."""
    station = current_station()
    args = request.args
    action = args.get("action", "").strip()[:64]
    who = args.get("who", "").strip()[:64]
    object_type = args.get("object_type", "").strip()[:32]
    object_id = parse_int(args.get("object_id"))
    date_from = parse_date(args.get("from"))
    date_to = parse_date(args.get("to"))
    page = parse_int(args.get("page"), 1, MAX_PAGE) or 1
    # A station's administrator sees their station's rows only: rows without a station are
    # the district's (its accounts, its configuration), not theirs.
    scope = AuditLog.station == station if not can(g.user.role, "all_stations") else None
    query = AuditLog.select()
    if scope is not None:
        query = query.where(scope)
    if action:
        query = query.where(AuditLog.action.startswith(action))
    if who:
        query = query.where(AuditLog.actor_label.contains(who))
    if object_type:
        query = query.where(AuditLog.object_type == object_type)
    if object_id is not None:
        query = query.where(AuditLog.object_id == object_id)
    if date_from:
        query = query.where(AuditLog.at >= local_to_utc(station, date_from, datetime.time()))
    if date_to:
        query = query.where(AuditLog.at < local_to_utc(
            station, date_to + datetime.timedelta(days=1), datetime.time()))
    total = query.count()
    rows = list(query.order_by(AuditLog.at.desc(), AuditLog.id.desc())
                .paginate(page, PAGE_SIZE))
    scoped = (lambda q: q.where(scope)) if scope is not None else (lambda q: q)
    actions = [a for (a,) in scoped(AuditLog.select(AuditLog.action).distinct())
               .order_by(AuditLog.action).tuples()]
    types = [t for (t,) in scoped(AuditLog.select(AuditLog.object_type).distinct()
                                  .where(AuditLog.object_type != ""))
             .order_by(AuditLog.object_type).tuples()]
    filters = {"action": action, "who": who, "object_type": object_type,
               "object_id": object_id if object_id is not None else "",
               "from": date_from.isoformat() if date_from else "",
               "to": date_to.isoformat() if date_to else ""}
    return render_template("station_admin/audit.html", station=station, history=rows,
                           total=total, page=page,
                           pages=max(1, (total + PAGE_SIZE - 1) // PAGE_SIZE),
                           actions=actions, types=types, filters=filters)
