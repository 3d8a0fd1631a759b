"""Notebook hygiene, the small-size settings of every chapter, and figures on the built
page.

``SMALL`` holds, per chapter, the parameters of its small-size run with another seed;
``conftest.py`` injects them with papermill and nbval executes the result (see the
README's test command).
"""

import json
import re
from pathlib import Path

import pytest

CHAPTERS = Path(__file__).resolve().parents[1] / "chapters"
NOTEBOOKS = sorted(CHAPTERS.glob("*.ipynb"))
BUILT_PAGES = CHAPTERS.parent / "_build" / "html" / "chapters"

# Every chapter runs again with another seed and smaller sizes: its check cells must
# hold there too. Pages without randomness run again with other parameters of their own.
SMALL = {
    "course_guide": {"TOC_FILE": "../_toc.yml"},
    "reproducibility": {"PACKAGES": ["torch", "numpy"]},
    "dln_gradient_descent": {"SEED": 3, "N_STEPS": 1500},
    "whitening": {"SEED": 1, "N_STEPS": 1000},
    "orthogonal_init": {"SEED": 2, "N_STEPS": 150},
    "law_of_parsimony": {"SEED": 1, "N_STEPS": 30},
    "compressed_network": {
        "SEED": 1,
        "D": 64,
        "TIMING_WIDTHS": [16, 32, 64, 128],
        "MC_D": 60,
        "DEPTH_D": 40,
        "DEPTH_WIDTHS": [6, 12, 20, 40],
    },
    "mlp_invariant_subspaces": {"SEED": 2, "N_STEPS": 600, "WIDTH_GRID": [50, 100]},
    "beyond_the_theory": {"SEED": 1},
    "low_rank_mlp": {"SEEDS": [3, 4]},
    "cnn_transformer_updates": {"SEED": 1, "STEPS": 200},
    "track_your_network": {"SEED": 1, "STEPS": 400},
    "tiny_subspace": {
        "SEED": 1,
        "STEPS": 120,
        "UPDATE_RANKS": [2, 10],
        "ADAM_STEPS": 200,
    },
    "hybrid_networks": {"SEED": 1, "N_SAMPLES": 2500, "DEPTHS": [5, 7], "STEPS": 300},
    "deep_lora": {
        "SEED": 1,
        "N_SEEDS": 10,
        "SHOTS": [16, 256],
        "RANKS": [8, 64],
        "N_WIDE_SEEDS": 3,
        "MC_D": 40,
    },
    "progressive_separation": {
        "SEED": 1,
        "EPS_GRID": [0.5, 0.7, 1.0],
        "CHECKPOINTS": [0, 200, 800],
    },
}


def test_every_chapter_has_a_papermill_setting():
    assert {nb.stem for nb in NOTEBOOKS} == set(SMALL)


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_committed_notebook_has_no_outputs(notebook):
    nb = json.loads(notebook.read_text())
    dirty = [
        i
        for i, c in enumerate(nb["cells"])
        if c["cell_type"] == "code" and (c["outputs"] or c["execution_count"])
    ]
    assert not dirty, (
        f"{notebook.name}: cells {dirty} carry outputs; clear them before committing"
    )


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_has_parameters_cell(notebook):
    nb = json.loads(notebook.read_text())
    tagged = [
        c for c in nb["cells"] if "parameters" in c.get("metadata", {}).get("tags", [])
    ]
    assert len(tagged) == 1, (
        f"{notebook.name} needs exactly one cell tagged 'parameters'"
    )
    for name in SMALL[notebook.stem]:
        assert f"{name} =" in "".join(tagged[0]["source"]), (
            f"{name} is not set in the parameters cell"
        )


def built_page_and_code(notebook):
    """The chapter's built HTML page (skip if the book is not built) and its code
    cells' sources."""
    page = BUILT_PAGES / f"{notebook.stem}.html"
    if not page.exists():
        pytest.skip("build the book first (see README)")
    cells = json.loads(notebook.read_text())["cells"]
    return page, ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]


SLIDER_CALL = re.compile(r"widgets\.figure_sliders?\(")


def n_figures(src: str) -> int:
    """Figures a code cell shows: one per plt.show() cell, one per slider widget."""
    return ("plt.show()" in src) + len(SLIDER_CALL.findall(src))


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_built_page_shows_every_figure(notebook):
    """Each cell that calls plt.show() is an image on the built page, each slider a
    widget view (its default figure rides in the same output, for the PDF)."""
    page, code = built_page_and_code(notebook)
    html = page.read_text()
    expected = sum("plt.show()" in src for src in code)
    shown = len(re.findall(r'<img [^>]*src="\.\./_images/', html))
    assert shown >= expected, (
        f"{page.name} shows {shown} of {expected} figures: was the book built with a "
        "non-inline matplotlib backend (unset MPLBACKEND for the build)?"
    )
    sliders = sum(len(SLIDER_CALL.findall(src)) for src in code)
    views = html.count('type="application/vnd.jupyter.widget-view+json"')
    assert views == sliders, f"{page.name}: {views} widget views for {sliders} sliders"


# Computed prose: a number in a chapter's text comes from the run ({glue:text}) or sits
# in maths (quoted from a paper, with its citation, or a setting); code in the text uses
# exact fractions. Nothing else in the markdown may be a typed decimal, "%" or "N×".
# A paper's numbered parts ("Theorem 3.5", "App. F.1") are names, not measurements.
EXEMPT = re.compile(
    r"\$\$.*?\$\$|\$[^$]*\$|\{glue:[a-z]+\}`[^`]*`|\{[a-z:]+\}`[^`]*`|:label:[^\n]*"
    r"|\b(?:Theorem|Lemma|Proposition|Corollary|Fig\.|Figure|Table|Sec\.|Section"
    r"|App\.|Appendix|Eq\.)\s+[A-Z]?\d+(?:\.\d+)*",
    re.S,
)
TYPED_NUMBER = re.compile(r"(?<![\w.\-])(\d+\.\d+|\d+(?:\.\d+)?\s?%|\d+(?:\.\d+)?×)")


def typed_numbers(markdown: str) -> list[str]:
    """Decimals, percentages and "N×" in the text outside maths, glue and roles."""
    prose = EXEMPT.sub(" ", markdown)
    return [
        prose[max(0, m.start() - 40) : m.end()] for m in TYPED_NUMBER.finditer(prose)
    ]


def test_the_rule_catches_typed_numbers():
    assert len(typed_numbers("the leak is 3.2e-3 and 40% of it")) == 2
    assert typed_numbers("```python\nlr = 0.1\n```")  # code in the text too
    assert typed_numbers(
        "the papers report 2.3× {cite}`yaras2023law`"
    )  # put it in maths
    assert not typed_numbers(
        "{glue:text}`leak:.1e`, $\\rho = 0.95$, $2.3\\times$ {cite}`a`"
    )
    assert not typed_numbers("Theorem 3.5 of {cite}`a` and its App. F.1")
    assert typed_numbers("Theorem 3.5 holds for 0.5 of the runs")


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_numbers_in_the_text_are_computed(notebook):
    cells = json.loads(notebook.read_text())["cells"]
    text = "\n\n".join(
        "".join(c["source"]) for c in cells if c["cell_type"] == "markdown"
    )
    typed = typed_numbers(text)
    assert not typed, f"{notebook.name}: typed numbers {typed}; glue them from the run"


PROCESS_WORDS = re.compile(r"\b(brief|issue|our note|ticket|TODO)\b", re.I)


@pytest.mark.parametrize(
    "page", NOTEBOOKS + sorted(CHAPTERS.glob("*.md")), ids=lambda p: p.stem
)
def test_reader_text_has_no_process_words(page):
    if page.suffix == ".ipynb":
        cells = json.loads(page.read_text())["cells"]
        text = "\n".join(
            "".join(c["source"]) for c in cells if c["cell_type"] == "markdown"
        )
    else:
        text = page.read_text()
    assert not PROCESS_WORDS.findall(text), (
        f"{page.name}: {PROCESS_WORDS.findall(text)}"
    )


def test_check_cells_are_folded():
    """Every cell that only asserts is folded on the page, its toggle counting the
    checks (``tools/fold_checks.py`` writes the metadata)."""
    import subprocess
    import sys

    tool = CHAPTERS.parent / "tools" / "fold_checks.py"
    run = subprocess.run(
        [sys.executable, str(tool), "--check"], capture_output=True, text=True
    )
    assert run.returncode == 0, run.stdout


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_figure_is_made_by_the_books_helper(notebook):
    """Figures come from ``plots.subplots``, which checks them when they are drawn
    (``lrdlib.book.figure_check``: the build and the tests set LRDLIB_FIGURE_CHECK)."""
    direct = [
        c["id"]
        for c in json.loads(notebook.read_text())["cells"]
        if c["cell_type"] == "code"
        and re.search(r"\bplt\.(subplots|figure|subplot)\(", "".join(c["source"]))
    ]
    assert not direct, f"{notebook.name}: cells {direct} make figures with plt directly"


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_figure_has_a_caption(notebook):
    """A cell that shows a figure or a slider carries a numbered caption and alt text
    (myst-nb's ``mystnb.figure`` and ``mystnb.image`` cell metadata)."""
    missing = [
        c["id"]
        for c in json.loads(notebook.read_text())["cells"]
        if c["cell_type"] == "code"
        and n_figures("".join(c["source"]))
        and not (
            c["metadata"].get("mystnb", {}).get("figure", {}).get("caption")
            and c["metadata"]["mystnb"].get("image", {}).get("alt")
        )
    ]
    assert not missing, f"{notebook.name}: figure cells without a caption: {missing}"


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_the_text_refers_to_every_figure_by_number(notebook):
    """Each captioned figure is cited in the chapter's text with ``{numref}``, so the
    prose says which figure shows what (on paper a figure may float away)."""
    cells = json.loads(notebook.read_text())["cells"]
    text = "\n".join(
        "".join(c["source"]) for c in cells if c["cell_type"] == "markdown"
    )
    cited = set(re.findall(r"\{numref\}`(?:[^`<]*<)?([\w-]+)>?`", text))
    names = [
        c["metadata"]["mystnb"]["figure"]["name"]
        for c in cells
        if c["cell_type"] == "code"
        and c["metadata"].get("mystnb", {}).get("figure", {}).get("name")
    ]
    uncited = [name for name in names if name not in cited]
    assert not uncited, f"{notebook.name}: the text never cites {uncited}"


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_built_page_numbers_and_captions_its_figures(notebook):
    page, code = built_page_and_code(notebook)
    expected = sum(n_figures(src) for src in code)
    captions = re.findall(
        r'<span class="caption-number">Fig\. [\d.]+ </span>', page.read_text()
    )
    assert len(captions) >= expected, (
        f"{page.name}: {len(captions)} numbered captions for {expected} figures"
    )


def widget_state(html: str) -> dict:
    """model id → model of the widget state a built page embeds."""
    match = re.search(
        r'<script type="application/vnd.jupyter.widget-state\+json">(.*?)</script>',
        html,
        re.S,
    )
    return json.loads(match.group(1))["state"] if match else {}


def frames_of(state: dict, model_id: str) -> list[dict]:
    """The image models below a widget, every frame of every slider combination."""
    model = state[model_id]
    if model["model_name"] == "ImageModel":
        return [model]
    return [
        frame
        for child in model["state"].get("children", [])
        for frame in frames_of(state, child.removeprefix("IPY_MODEL_"))
    ]


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_fixed_axes_hold_in_every_frame_on_the_page(notebook):
    """A slider widget that promises fixed axes (``fixed_axes=``) stores every frame,
    all combinations of its sliders, drawn with the same limits."""
    page, code = built_page_and_code(notebook)
    state = widget_state(page.read_text())
    promised = sum(src.count("fixed_axes=") for src in code)
    fixed = [
        model_id
        for model_id, model in state.items()
        if model["model_name"] == "VBoxModel"
        and any(c.startswith("lrd-fixed-") for c in model["state"]["_dom_classes"])
    ]
    assert len(fixed) == promised, f"{page.name}: {len(fixed)} of {promised} fixed"
    for model_id in fixed:
        frames = frames_of(state, model_id)
        limits = {
            c
            for frame in frames
            for c in frame["state"]["_dom_classes"]
            if c.startswith("lrd-limits-")
        }
        assert len(frames) > 1 and len(limits) == 1, (
            f"{page.name}: {len(frames)} frames drawn with {len(limits)} limits"
        )


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_tables_are_dataframes_the_pdf_can_print(notebook):
    """Tables are displayed as DataFrames (HTML on the page, text in the PDF); a
    pandas Styler has no text form, so the PDF would print its repr."""
    styled = [
        c["id"]
        for c in json.loads(notebook.read_text())["cells"]
        if c["cell_type"] == "code" and ".style.format(" in "".join(c["source"])
    ]
    assert not styled, f"{notebook.name}: Styler tables in {styled}"


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_a_slider_cell_does_not_display_its_widget_twice(notebook):
    """``figure_slider(s)`` displays the widget and returns it: as a cell's last
    expression it needs a ``;``, or the page numbers the figure twice."""
    twice = [
        c["id"]
        for c in json.loads(notebook.read_text())["cells"]
        if c["cell_type"] == "code"
        and SLIDER_CALL.search("".join(c["source"]))
        and "".join(c["source"]).rstrip().endswith(")")
    ]
    assert not twice, f"{notebook.name}: end the slider call with ';' in {twice}"
