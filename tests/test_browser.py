"""The rendered book in a real browser: every chapter's slider changes the figure with
no kernel, shows its figure once, and its formulas are typeset.

Serves ``_build/html`` on localhost and drives headless Chromium (Debian's ``chromium``
and ``chromium-driver``) with selenium. The page has no network beyond localhost, so
this also proves the widget JavaScript and MathJax are served by the book itself.
Skipped when the book is not built or Chromium is absent; ``.ci/run`` builds the book
and installs Chromium before running the tests.
"""

import functools
import http.server
import io
import json
import shutil
import threading
from pathlib import Path

import numpy as np
import pytest
from test_notebooks import SLIDER_CALL

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "_build" / "html"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
PAGES_WITHOUT_SLIDERS = {"course_guide", "reproducibility"}
CHAPTERS = sorted(
    p.stem
    for p in (ROOT / "chapters").glob("*.ipynb")
    if p.stem not in PAGES_WITHOUT_SLIDERS
)
SCREENSHOTS = ROOT / "_build" / "screenshots"

pytestmark = [
    pytest.mark.skipif(
        not (BUILD / "index.html").exists(), reason="build the book first (see README)"
    ),
    pytest.mark.skipif(
        CHROMIUM is None or CHROMEDRIVER is None,
        reason="needs chromium and chromedriver",
    ),
]


@pytest.fixture(scope="module")
def base_url():
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(
            self, *args
        ):  # the widget bundle asks for icon fonts it does not need
            pass

    handler = functools.partial(Quiet, directory=str(BUILD))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture(scope="module")
def browser():
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1280,2000",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    yield driver
    driver.quit()


# figure_sliders' VBox([slider, ..., Stack(Stack(... images))]), in a captioned figure
SLIDER_BOXES = """Array.from(document.querySelectorAll('.widget-vbox')).filter(box =>
    box.querySelector('.widget-slider'))"""


def visible_frames(driver):
    """For every slider box, in page order, the image it currently shows: the tail of
    its ``src`` and its ``lrd-limits-*`` class (the axis limits it was drawn with)."""
    return driver.execute_script(f"""
        return {SLIDER_BOXES}.map(box => {{
            const shown = Array.from(box.querySelectorAll('img.widget-image')).filter(
                img => img.offsetParent !== null);
            if (shown.length !== 1) return null;
            const limits = Array.from(shown[0].classList).find(
                c => c.startsWith('lrd-limits-'));
            return [shown[0].src.slice(-300), limits];
        }});""")


def fixed_boxes(driver) -> list[bool]:
    """For every slider box, whether it promises fixed axes (``lrd-fixed-*``)."""
    return driver.execute_script(f"""
        return {SLIDER_BOXES}.map(box => Array.from(box.classList).some(
            c => c.startsWith('lrd-fixed-')));""")


def uncaptioned_figures(driver) -> int:
    """Slider boxes and plain images in cell outputs that are not inside a figure with
    a numbered caption."""
    return driver.execute_script(f"""
        const shown = [...{SLIDER_BOXES}, ...Array.from(document.querySelectorAll(
            'div.cell_output img:not(.widget-image)'))];
        return shown.filter(el => {{
            const fig = el.closest('figure');
            return !(fig && fig.querySelector('figcaption .caption-number'));
        }}).length;""")


def visible_static_copies(driver) -> int:
    """Plain images shown beside a rendered slider in the same cell output (the
    default figure rides in the widget's output as ``image/png``, for the PDF only)."""
    return driver.execute_script("""
        return Array.from(document.querySelectorAll('div.cell_output')).filter(out =>
            out.querySelector('.widget-slider')).map(out =>
            Array.from(out.querySelectorAll('img:not(.widget-image)')).filter(img =>
            img.offsetParent !== null).length).reduce((a, b) => a + b, 0);""")


def sideways_scrollers(driver) -> int:
    """Code, printed output and slider boxes that scroll sideways (``_static/book.css``
    wraps code and output and clips the widget boxes)."""
    return driver.execute_script("""
        return Array.from(document.querySelectorAll(
            'div.cell_input pre, div.cell_output pre, div.cell_output .widget-box'
        )).filter(el => el.offsetParent !== null
            && el.scrollWidth > el.clientWidth + 1
            && !['visible', 'hidden'].includes(getComputedStyle(el).overflowX)
        ).length;""")


def code_of(chapter: str) -> str:
    nb = json.loads((ROOT / "chapters" / f"{chapter}.ipynb").read_text())
    return "\n".join(
        "".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"
    )


def slider_counts(chapter: str) -> tuple[int, int, int]:
    """(slider widgets, slider controls, widgets with fixed axes) in the chapter's
    code: ``figure_slider`` has one control, ``figure_sliders`` one per ``Control``."""
    code = code_of(chapter)
    calls = SLIDER_CALL.findall(code)
    controls = code.count("widgets.figure_slider(") + code.count("widgets.Control(")
    return len(calls), controls, code.count("fixed_axes=")


def is_blank(png: bytes) -> bool:
    from PIL import Image

    pixels = np.asarray(Image.open(io.BytesIO(png)).convert("L"), dtype=float)
    return pixels.std() < 5 or len(np.unique(pixels)) < 16


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_every_slider_changes_its_figure_without_a_kernel(chapter, base_url, browser):
    """Every slider, moved by keyboard over all its values, changes the figure; a
    widget that promises fixed axes shows every frame with the same limits; each
    figure has one visible copy and a numbered caption."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(f"{base_url}/chapters/{chapter}.html")
    WebDriverWait(browser, 60).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, ".widget-vbox img.widget-image")
    )
    boxes = [
        box
        for box in browser.find_elements(By.CSS_SELECTOR, ".widget-vbox")
        if box.find_elements(By.CSS_SELECTOR, ".widget-slider")
    ]
    n_widgets, n_controls, n_fixed = slider_counts(chapter)
    handles = [box.find_elements(By.CSS_SELECTOR, ".noUi-handle") for box in boxes]
    assert len(boxes) == n_widgets and sum(map(len, handles)) == n_controls, (
        f"{chapter}: {n_widgets} slider widgets with {n_controls} sliders in the "
        f"notebook, {len(boxes)} with {sum(map(len, handles))} rendered"
    )
    fixed = fixed_boxes(browser)
    assert sum(fixed) == n_fixed, f"{chapter}: {sum(fixed)} of {n_fixed} fixed axes"
    assert visible_static_copies(browser) == 0, (
        f"{chapter}: a slider's default figure is shown twice"
    )
    assert uncaptioned_figures(browser) == 0, f"{chapter}: a figure has no caption"
    assert sideways_scrollers(browser) == 0, f"{chapter}: something scrolls sideways"
    for i, box_handles in enumerate(handles):
        seen_limits = {visible_frames(browser)[i][1]}
        for handle in box_handles:
            browser.execute_script(
                "arguments[0].scrollIntoView({block: 'center'});", handle
            )
            # walk the slider to one end and back to the other: every frame it reaches
            for key in (Keys.ARROW_RIGHT, Keys.ARROW_LEFT):
                n_values = int(float(handle.get_attribute("aria-valuemax"))) + 1
                for _ in range(n_values):
                    now = float(handle.get_attribute("aria-valuenow"))
                    end = handle.get_attribute(
                        "aria-valuemax" if key == Keys.ARROW_RIGHT else "aria-valuemin"
                    )
                    if now == float(end):
                        break
                    before = visible_frames(browser)[i]
                    assert before is not None, f"{chapter}: slider {i} shows no image"
                    handle.send_keys(key)
                    WebDriverWait(browser, 10).until(
                        lambda d, i=i, before=before: (
                            visible_frames(d)[i][0] != before[0]
                        ),
                        message=f"{chapter}: slider {i} moved but its figure did not "
                        "change",
                    )
                    seen_limits.add(visible_frames(browser)[i][1])
        if fixed[i]:
            assert len(seen_limits) == 1, (
                f"{chapter}: widget {i} promises fixed axes but its frames are drawn "
                f"with {len(seen_limits)} different limits"
            )
    WebDriverWait(browser, 30).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, "mjx-container"),
        message=f"{chapter}: no formula was typeset "
        "(MathJax is served from _static/mathjax)",
    )
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    browser.execute_script(
        "arguments[0].scrollIntoView({block: 'center'});", handles[0][0]
    )
    png = browser.get_screenshot_as_png()
    (SCREENSHOTS / f"{chapter}.png").write_bytes(png)
    assert not is_blank(png), f"{chapter}: the screenshot is blank"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_slider_is_usable_on_a_phone(chapter, base_url, browser):
    """At 400 px the slider's track is at least 150 px long and its frame fits the
    screen; a screenshot lands in _build/screenshots/<chapter>-400px.png."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser.set_window_size(400, 900)
    try:
        browser.get(f"{base_url}/chapters/{chapter}.html")
        WebDriverWait(browser, 60).until(
            lambda d: d.find_elements(By.CSS_SELECTOR, ".widget-vbox img.widget-image")
        )
        track = browser.find_element(By.CSS_SELECTOR, ".widget-vbox .noUi-target")
        browser.execute_script("arguments[0].scrollIntoView({block: 'center'});", track)
        widths = browser.execute_script(
            """const frame = Array.from(document.querySelectorAll(
                '.widget-vbox img.widget-image')).find(i => i.offsetParent !== null);
            return [arguments[0].getBoundingClientRect().width,
                    frame.getBoundingClientRect().right, window.innerWidth];""",
            track,
        )
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        (SCREENSHOTS / f"{chapter}-400px.png").write_bytes(
            browser.get_screenshot_as_png()
        )
        track_px, frame_right, screen = widths
        assert track_px >= 150, f"{chapter}: slider track {track_px:.0f} px at 400 px"
        assert frame_right <= screen + 1, (
            f"{chapter}: the frame is wider than the screen"
        )
        assert sideways_scrollers(browser) == 0, (
            f"{chapter}: scrolls sideways at 400 px"
        )
    finally:
        browser.set_window_size(1280, 2000)


# Display and inline maths, theorem and proof boxes (sphinx-proof renders them as
# admonitions), admonitions and tables.
CLIPPABLE = (
    "mjx-container, div.math, div.admonition, div.proof, div.topic, table, "
    "div.highlight pre"
)
WIDTHS = (1280, 400)
PAGES = sorted(
    p.stem
    for p in (ROOT / "chapters").iterdir()
    if p.suffix in (".ipynb", ".md") and not p.stem.startswith("_")
)


def clipped_elements(driver) -> list[str]:
    """Elements whose content is cut off: wider than an ancestor that hides overflow,
    hiding their own overflow, or running off the screen. Content in a box that
    scrolls sideways (``overflow-x: auto``) is not cut off; the box itself must fit."""
    return driver.execute_script(f"""
        const hides = el => ['hidden', 'clip'].includes(getComputedStyle(el).overflowX);
        const name = el => el.tagName.toLowerCase() + (el.className
            ? '.' + String(el.className).trim().split(/\\s+/).join('.') : '')
            + ' "' + el.textContent.trim().slice(0, 40) + '"';
        const found = [];
        for (const el of document.querySelectorAll({CLIPPABLE!r})) {{
            if (el.offsetParent === null && getComputedStyle(el).position !== 'fixed')
                continue;
            const box = el.getBoundingClientRect();
            if (box.width === 0) continue;
            if (hides(el) && el.clientWidth > 0  // inline boxes have no clientWidth
                && el.scrollWidth > el.clientWidth + 1) {{
                found.push(name(el) + ' hides its own overflow'); continue;
            }}
            let clipped = false, scrolls = false;
            for (let up = el.parentElement; up && up !== document.body;
                 up = up.parentElement) {{
                const outer = up.getBoundingClientRect();
                const style = getComputedStyle(up).overflowX;
                if (['auto', 'scroll'].includes(style)) {{  // it scrolls: not cut
                    scrolls = true; break;
                }}
                if (hides(up) && (box.right > outer.right + 1
                                  || box.left < outer.left - 1)) {{
                    found.push(name(el) + ' is cut by ' + name(up)); clipped = true;
                    break;
                }}
            }}
            if (!clipped && !scrolls && box.right > window.innerWidth + 1)
                found.push(name(el) + ' runs off the screen');
        }}
        return found;""")


def wait_for_maths(driver) -> None:
    """Wait until MathJax has typeset the page (at once if it has no maths)."""
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, 30).until(
        lambda d: d.execute_script(
            "return !document.querySelector('.math') || (window.MathJax"
            " && MathJax.startup && MathJax.startup.promise !== undefined)"
        ),
        message="MathJax did not start",
    )
    driver.set_script_timeout(60)
    driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "if (!document.querySelector('.math')) { done(); return; }"
        "MathJax.startup.promise.then(() => setTimeout(done, 200));"
    )


@pytest.mark.parametrize("page", PAGES)
def test_nothing_is_clipped_on_desktop_or_phone(page, base_url, browser):
    """No formula, theorem, proof, admonition, table or code block is cut off at
    1280 px or 400 px; a wide formula scrolls inside its own box instead."""
    try:
        for width in WIDTHS:
            browser.set_window_size(width, 1000)
            browser.get(f"{base_url}/chapters/{page}.html")
            wait_for_maths(browser)
            problems = clipped_elements(browser)
            assert not problems, f"{page} at {width} px: " + "; ".join(problems[:5])
    finally:
        browser.set_window_size(1280, 2000)


def test_slider_readouts_cannot_be_typed_into(base_url, browser):
    """A slider's readout is a label: on a page without a kernel, typing into it
    would change the number but not the figure."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(f"{base_url}/chapters/{CHAPTERS[0]}.html")
    WebDriverWait(browser, 60).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, ".widget-vbox .widget-readout")
    )
    editable = browser.execute_script("""
        return Array.from(document.querySelectorAll('.widget-readout')).filter(
            el => el.isContentEditable).length;""")
    assert editable == 0, f"{editable} slider readouts accept typing"
