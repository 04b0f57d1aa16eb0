"""Every kiosk screen, both orientations, both languages: axe-core, target sizes, contrast, zoom."""
import pytest

from core import demo, people
from models import KioskDevice
from tests.browser.conftest import axe_violations, enroll_context
from tests.browser.screenshots import LANDSCAPE, PORTRAIT, activity_switch, walk

pytestmark = pytest.mark.browser

ALL_SCREENS = ["start", "services", "services-chosen", "review", "done", "returning",
               "checked-out", "volunteer", "shift-started", "recipient", "log-services",
               "logged", "shift-ended", "help", "not-a-badge", "unknown-badge", "revoked-badge",
               "more-time", "activity-start", "activity-done"]

# For every visible text node's element: its colour against the background it sits on
# (backgrounds composited up the tree over white), its font size, and the text.
CONTRAST_JS = """() => {
  const parse = c => { const m = c.match(/rgba?\\(([^)]+)\\)/); if (!m) return [0, 0, 0, 0];
    const p = m[1].split(/[\\s,\\/]+/).filter(Boolean).map(Number);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1]; };
  const lum = ([r, g, b]) => { const f = v => { v /= 255;
    return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
  const background = el => { const layers = [];
    for (let e = el; e; e = e.parentElement) { const c = parse(getComputedStyle(e).backgroundColor);
      if (c[3] > 0) layers.push(c); if (c[3] >= 1) break; }
    let base = [255, 255, 255];
    for (let i = layers.length - 1; i >= 0; i--) { const [r, g, b, a] = layers[i];
      base = [r * a + base[0] * (1 - a), g * a + base[1] * (1 - a), b * a + base[2] * (1 - a)]; }
    return base; };
  const out = [];
  for (const el of document.querySelectorAll('body *')) {
    if (!el.checkVisibility({visibilityProperty: true}) || el.closest('[inert]')) continue;
    const own = Array.from(el.childNodes).some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own) continue;
    const style = getComputedStyle(el);
    const fg = parse(style.color), bg = background(el);
    const a = lum(fg), b = lum(bg);
    out.push({text: el.textContent.trim().slice(0, 40),
              ratio: (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05),
              size: parseFloat(style.fontSize)});
  }
  return out;
}"""

TARGETS_JS = """() => Array.from(document.querySelectorAll(
    'button, a[href], input, select, textarea, [tabindex]:not([tabindex="-1"])'))
  .filter(el => el.checkVisibility({visibilityProperty: true}) && !el.closest('[inert]'))
  .map(el => { const r = el.getBoundingClientRect();
    return {name: (el.textContent || el.getAttribute('aria-label') || el.tagName).trim().slice(0, 30),
            x: r.left + scrollX, y: r.top + scrollY, w: r.width, h: r.height}; })"""


def overlapping(targets):
    """Pairs of targets whose boxes touch or overlap (there must be space between)."""
    pairs = []
    for i, a in enumerate(targets):
        for b in targets[i + 1:]:
            if a["x"] < b["x"] + b["w"] and b["x"] < a["x"] + a["w"] \
                    and a["y"] < b["y"] + b["h"] and b["y"] < a["y"] + a["h"]:
                pairs.append((a["name"], b["name"]))
    return pairs


@pytest.fixture
def walker(live, browser):
    """walker(lang, viewport) -> an iterator over every kiosk screen of a fresh enrolled page."""
    contexts = []
    saved = live.app.config["KIOSK_REPEAT_SECONDS"]
    live.app.config["KIOSK_REPEAT_SECONDS"] = 0  # the walk scans one badge several times

    def _walk(lang, viewport):
        context = browser.new_context(viewport=viewport, locale="zh-CN")
        contexts.append(context)
        device_id = enroll_context(live, context)
        with live.data():
            from core.stations import default_station
            station = default_station()
            demo.ensure_catalogue(station)
            badges = {}
            for key, kind in (("resident", "resident"), ("resident2", "resident"),
                              ("volunteer", "volunteer"), ("revoked", "resident")):
                person, badge = people.add_person(station, "测试%s" % key, kind,
                                                  actor_label="test")
                badges[key] = people.badge_payload(badge)
                if key == "revoked":
                    people.issue_badge(person, actor_label="test")
            KioskDevice.update(language=lang).where(KioskDevice.id == device_id).execute()
        switch = activity_switch(device_id)

        def set_activity(name):
            with live.data():
                switch(name)
        page = context.new_page()
        page.clock.install()
        page.goto(live.url + "/kiosk/")
        return page, walk(page, badges, set_activity)
    yield _walk
    live.app.config["KIOSK_REPEAT_SECONDS"] = saved
    for context in contexts:
        context.close()


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("viewport", [LANDSCAPE, PORTRAIT], ids=["landscape", "portrait"])
def test_every_screen_accessible(walker, lang, viewport):
    """On every screen: no axe-core WCAG 2.2 A/AA violation, targets >= 60x60 px and apart,
    text >= 24 px at >= 7:1 contrast?"""
    page, screens = walker(lang, viewport)
    seen, problems = [], []
    for name in screens:
        seen.append(name)
        page.wait_for_timeout(100)
        violations = axe_violations(page)
        if violations:
            problems.append((name, "axe", violations))
        targets = page.evaluate(TARGETS_JS)
        small = [(t["name"], round(t["w"]), round(t["h"])) for t in targets
                 if t["w"] < 60 or t["h"] < 60]
        if small:
            problems.append((name, "small targets", small))
        touching = overlapping(targets)
        if touching:
            problems.append((name, "targets without space between", touching))
        texts = page.evaluate(CONTRAST_JS)
        low = [(t["text"], round(t["ratio"], 2)) for t in texts if t["ratio"] < 7]
        if low:
            problems.append((name, "contrast below 7:1", low))
        tiny = [(t["text"], t["size"]) for t in texts if t["size"] < 24]
        if tiny:
            problems.append((name, "text below 24 px", tiny))
        assert texts, "no text measured on %s" % name
    assert seen == ALL_SCREENS
    assert problems == []


@pytest.mark.parametrize("viewport", [{"width": 640, "height": 400}, {"width": 400, "height": 640}],
                         ids=["landscape-200", "portrait-200"])
def test_zoom_200_percent(walker, viewport):
    """At 200 % zoom (half the CSS pixels), does every screen fit the width with every control
    reachable, and no axe-core violation?"""
    page, screens = walker("zh", viewport)
    problems = []
    for name in screens:
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > viewport["width"]:
            problems.append((name, "scrolls sideways", width))
        unreachable = page.evaluate("""() => Array.from(document.querySelectorAll(
              'button, a[href]')).filter(el => el.checkVisibility() && !el.closest('[inert]'))
            .filter(el => { const r = el.getBoundingClientRect();
              return r.left < 0 || r.right > document.documentElement.clientWidth + 1; })
            .map(el => el.textContent.trim())""")
        if unreachable:
            problems.append((name, "controls outside the screen", unreachable))
        if name in ("start", "services-chosen", "review", "volunteer", "done", "more-time"):
            violations = axe_violations(page)
            if violations:
                problems.append((name, "axe", violations))
    assert problems == []
