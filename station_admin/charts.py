"""Charts for the admin view: server-rendered SVG (presentation attributes, no inline style,
so the Content-Security-Policy holds), each with a title for screen readers."""
from markupsafe import Markup, escape

BAR = "#0b3d91"
BAR2 = "#b35c00"


def _nice_max(value):
    if value <= 5:
        return 5
    magnitude = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 2.5, 5, 10):
        top = step * magnitude
        if top >= value:
            return int(top) if top == int(top) else top
    return value


def _fmt(value):
    if isinstance(value, float):
        return ("%.2f" % value).rstrip("0").rstrip(".")
    return str(value)


def hbar_chart(chart_id, title, items):
    """A horizontal bar chart of (label, value) with the value written at each bar's end."""
    row_h, label_w, width = 30, 170, 640
    height = max(1, len(items)) * row_h + 12
    top = _nice_max(max([v for _, v in items] + [0]))
    plot_w = width - label_w - 70
    parts = ['<svg class="chart" viewBox="0 0 %d %d" role="img" aria-labelledby="%s-t" '
             'xmlns="http://www.w3.org/2000/svg">' % (width, height, chart_id),
             '<title id="%s-t">%s</title>' % (chart_id, escape(title))]
    for i, (label, value) in enumerate(items):
        y = 6 + i * row_h
        w = 0 if not top else plot_w * value / top
        parts.append('<text x="%d" y="%d" text-anchor="end" fill="#111" font-size="15">%s'
                     '</text>' % (label_w - 8, y + 19, escape(label)))
        parts.append('<rect x="%d" y="%d" width="%.1f" height="%d" fill="%s"/>'
                     % (label_w, y + 4, max(w, 1 if value else 0), row_h - 8, BAR))
        parts.append('<text x="%.1f" y="%d" fill="#111" font-size="15">%s</text>'
                     % (label_w + w + 6, y + 19, escape(_fmt(value))))
    parts.append('<line x1="%d" y1="4" x2="%d" y2="%d" stroke="#444"/>'
                 % (label_w, label_w, height - 4))
    parts.append("</svg>")
    return Markup("".join(parts))


def vbar_chart(chart_id, title, labels, series, legend=()):
    """A vertical bar chart: `labels` along the bottom, one or two `series` of values."""
    width, height, left, bottom, top_pad = 720, 260, 44, 40, 24
    n = max(1, len(labels))
    plot_w, plot_h = width - left - 10, height - bottom - top_pad
    top = _nice_max(max([v for s in series for v in s] + [0]))
    slot = plot_w / n
    bar_w = max(1.0, slot * 0.8 / len(series))
    colours = (BAR, BAR2)
    parts = ['<svg class="chart" viewBox="0 0 %d %d" role="img" aria-labelledby="%s-t" '
             'xmlns="http://www.w3.org/2000/svg">' % (width, height, chart_id),
             '<title id="%s-t">%s</title>' % (chart_id, escape(title))]
    for tick in (0, top / 2, top):
        y = top_pad + plot_h - (plot_h * tick / top if top else 0)
        parts.append('<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#bbb"/>'
                     % (left, y, width - 10, y))
        parts.append('<text x="%d" y="%.1f" text-anchor="end" fill="#111" font-size="13">%s'
                     '</text>' % (left - 4, y + 4, escape(_fmt(tick))))
    every = max(1, int(round(n / 16.0)))
    for i, label in enumerate(labels):
        x0 = left + i * slot + slot * 0.1
        for s, values in enumerate(series):
            h = plot_h * values[i] / top if top else 0
            parts.append('<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"/>'
                         % (x0 + s * bar_w, top_pad + plot_h - h, bar_w, h, colours[s % 2]))
        if i % every == 0:
            parts.append('<text x="%.1f" y="%d" text-anchor="middle" fill="#111" '
                         'font-size="13">%s</text>' % (left + i * slot + slot / 2,
                                                       height - bottom + 18, escape(label)))
    for s, name in enumerate(legend):
        x = left + s * 200
        parts.append('<rect x="%d" y="4" width="14" height="14" fill="%s"/>'
                     % (x, colours[s % 2]))
        parts.append('<text x="%d" y="16" fill="#111" font-size="14">%s</text>'
                     % (x + 20, escape(name)))
    parts.append('<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#444"/>'
                 % (left, top_pad + plot_h, width - 10, top_pad + plot_h))
    parts.append("</svg>")
    return Markup("".join(parts))
