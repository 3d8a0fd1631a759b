"""The slider helper: precomputed frames linked in the browser, and re-rendering in a
live kernel."""

import ipywidgets as widgets
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from lrdlib import widgets as lw  # noqa: E402


def render(value):
    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, value])
    return fig


def test_figure_slider_precomputes_frames_and_rerenders():
    box = lw.figure_slider(render, [1, 2, 3], value=2, description="v")
    slider, stack = box.children
    assert (
        isinstance(stack, widgets.Stack)
        and len(stack.children) == 3
        and stack.selected_index == 1
    )
    assert all(bytes(img.value).startswith(b"\x89PNG") for img in stack.children)
    old = stack.children[2].value
    stack.children[2].value = b""
    slider.value = 3  # in a kernel the callback re-renders the chosen frame
    assert bytes(stack.children[2].value) == bytes(old)
    with pytest.raises(ValueError, match="not one of the slider values"):
        lw.figure_slider(render, [1, 2], value=5)


def test_figure_slider_without_stack_rerenders_into_an_output(monkeypatch):
    monkeypatch.delattr(widgets, "Stack")  # ipywidgets 7, as on Colab
    seen = []
    box = lw.figure_slider(lambda v: seen.append(v) or render(v), [1, 2, 3], value=2)
    slider, out = box.children
    assert isinstance(out, widgets.Output) and seen == [2]
    slider.value = 3
    slider.value = 1
    assert seen == [2, 3, 1] and len(out.outputs) == 1
    assert out.outputs[0]["data"]["image/png"].startswith(
        "iVBORw0KGgo"
    )  # base64 of a PNG header
