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


# figure_slider's VBox([slider, Stack(images)])
SLIDER_BOXES = "document.querySelectorAll('.widget-vbox')"


def visible_frames(driver):
    """For every slider box, in page order, the tail of the ``src`` of the image it
    currently shows."""
    return driver.execute_script(f"""
        return Array.from({SLIDER_BOXES}).filter(box =>
        box.querySelector('.widget-slider')).map(box => {{
            const shown =
            Array.from(box.querySelectorAll('img.widget-image')).filter(img =>
            img.offsetParent !== null); return shown.length === 1 ?
            shown[0].src.slice(-300) : null;
        }});""")


def visible_static_copies(driver) -> int:
    """Plain images shown beside a rendered slider in the same cell output (the default
    figure kept for the PDF and plain viewers): ``_static/book.css`` hides them."""
    return driver.execute_script("""
        return Array.from(document.querySelectorAll('div.cell_output')).filter(out =>
            out.querySelector('.widget-slider')).map(out =>
            Array.from(out.querySelectorAll(':scope > img')).filter(img =>
            img.offsetParent !== null).length).reduce((a, b) => a + b, 0);""")


def scrolling_code_cells(driver) -> int:
    """Code cells whose source scrolls sideways (``_static/book.css`` wraps code)."""
    return driver.execute_script("""
        return Array.from(document.querySelectorAll('div.cell_input pre')).filter(p =>
            p.offsetParent !== null && p.scrollWidth > p.clientWidth + 1).length;""")


def slider_calls(chapter: str) -> int:
    """How many ``widgets.figure_slider(`` calls the chapter's code cells make."""
    nb = json.loads((ROOT / "chapters" / f"{chapter}.ipynb").read_text())
    return sum(
        "".join(c["source"]).count("widgets.figure_slider(")
        for c in nb["cells"]
        if c["cell_type"] == "code"
    )


def is_blank(png: bytes) -> bool:
    from PIL import Image

    pixels = np.asarray(Image.open(io.BytesIO(png)).convert("L"), dtype=float)
    return pixels.std() < 5 or len(np.unique(pixels)) < 16


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_every_slider_changes_its_figure_without_a_kernel(chapter, base_url, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(f"{base_url}/chapters/{chapter}.html")
    WebDriverWait(browser, 60).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, ".widget-vbox img.widget-image")
    )
    handles = browser.find_elements(
        By.CSS_SELECTOR, ".widget-vbox .widget-slider .noUi-handle"
    )
    frames = visible_frames(browser)
    assert handles and len(handles) == len(frames), (
        f"{chapter}: {len(handles)} slider handles, {len(frames)} slider boxes"
    )
    expected = slider_calls(chapter)
    assert len(handles) == expected, (
        f"{chapter}: {expected} sliders in the notebook, {len(handles)} rendered"
    )
    assert visible_static_copies(browser) == 0, (
        f"{chapter}: a slider's default figure is shown twice"
    )
    assert scrolling_code_cells(browser) == 0, f"{chapter}: code scrolls sideways"
    for i, handle in enumerate(handles):
        before = visible_frames(browser)[i]
        assert before is not None, f"{chapter}: slider {i} shows no image"
        browser.execute_script(
            "arguments[0].scrollIntoView({block: 'center'});", handle
        )
        at_max = float(handle.get_attribute("aria-valuenow")) >= float(
            handle.get_attribute("aria-valuemax")
        )
        handle.send_keys(Keys.ARROW_LEFT if at_max else Keys.ARROW_RIGHT)
        WebDriverWait(browser, 10).until(
            lambda d, i=i, before=before: visible_frames(d)[i] != before,
            message=f"{chapter}: slider {i} moved but its figure did not change",
        )
    WebDriverWait(browser, 30).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, "mjx-container"),
        message=f"{chapter}: no formula was typeset "
        "(MathJax is served from _static/mathjax)",
    )
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    browser.execute_script(
        "arguments[0].scrollIntoView({block: 'center'});", handles[0]
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
    finally:
        browser.set_window_size(1280, 2000)
