"""The figure check (``lrdlib.book.figure_check``) finds what it should, on figures
made to have one problem each, and passes a clean one."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from lrdlib.book import figure_check, plots  # noqa: E402


@pytest.fixture(autouse=True)
def unchecked_draws(monkeypatch):
    """The figures here are bad on purpose: the build's check must not raise on them."""
    monkeypatch.delenv(figure_check.ENVIRONMENT_VARIABLE, raising=False)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def clean_figure():
    fig, ax = plots.subplots()
    t = np.linspace(0, 1, 50)
    ax.plot(t, t, label="rising")
    ax.set(xlabel="time", ylabel="value", title="A clean figure", ylim=(0, 2))
    ax.legend(loc="upper left")
    return fig, ax


def test_a_clean_figure_has_no_problem():
    fig, _ = clean_figure()
    assert figure_check.layout_problems(fig) == []


def test_overlapping_texts_are_found():
    fig, ax = clean_figure()
    ax.text(0.5, 0.5, "first note")
    ax.text(0.5, 0.5, "second note")
    (problem,) = figure_check.layout_problems(fig)
    assert "'first note' and 'second note' overlap" in problem


def test_crowded_tick_labels_are_found():
    fig, ax = clean_figure()
    ax.set_xticks(np.linspace(0, 1, 60))
    problems = figure_check.layout_problems(fig)
    assert problems and all("overlap" in p for p in problems)


def test_small_text_is_found_at_its_displayed_size():
    fig, ax = clean_figure()
    ax.text(0.1, 1.5, "tiny", fontsize=6)
    (problem,) = figure_check.layout_problems(fig)
    assert "'tiny' is 6.0 pt" in problem
    wide, ax = plt.subplots(figsize=(14, 3))  # shown at half size in the column
    ax.set_title("half size", fontsize=12)
    assert any("'half size' is 6.0 pt" in p for p in figure_check.layout_problems(wide))


def test_a_legend_over_the_data_is_found():
    fig, ax = clean_figure()
    ax.plot([0, 0.1], [1.9, 1.9], label="under the legend")
    (problem,) = figure_check.layout_problems(fig)
    assert "legend covers 'under the legend'" in problem


def test_a_legend_over_bars_is_found():
    fig, ax = plt.subplots(figsize=(6, 3))
    ax.bar(range(5), [1, 1, 1, 1, 1], label="share")
    ax.legend(loc="lower left")
    assert any("covers" in p for p in figure_check.layout_problems(fig))
    ax.set_ylim(0, 2)
    ax.axvspan(0, 4, color="0.9", label="a shaded range")  # not data
    ax.legend(loc="upper right")
    assert figure_check.layout_problems(fig) == []


def test_watch_raises_on_draw_only_when_asked(monkeypatch):
    monkeypatch.delenv(figure_check.ENVIRONMENT_VARIABLE, raising=False)
    fig, ax = clean_figure()
    ax.text(0.1, 1.5, "tiny", fontsize=6)
    fig.canvas.draw()  # not asked: no check
    monkeypatch.setenv(figure_check.ENVIRONMENT_VARIABLE, "1")
    fig, ax = clean_figure()
    ax.text(0.1, 1.5, "tiny", fontsize=6)
    with pytest.raises(figure_check.FigureLayoutError, match="'A clean figure'"):
        fig.canvas.draw()


def test_report_mode_writes_the_problems(monkeypatch, tmp_path):
    report = tmp_path / "figures.txt"
    monkeypatch.setenv(figure_check.ENVIRONMENT_VARIABLE, f"report:{report}")
    fig, ax = clean_figure()
    ax.text(0.1, 1.5, "tiny", fontsize=6)
    fig.canvas.draw()
    assert "'tiny' is 6.0 pt" in report.read_text()
