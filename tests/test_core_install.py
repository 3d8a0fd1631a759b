"""``import lrdlib`` needs only its core dependencies: a virtual environment holding
torch, numpy, scipy and tqdm (and what they need), and nothing else of this machine's
packages, installs lrdlib, imports it and tracks a network with a plain PyTorch loop.

The core's dependencies are not downloaded again: the environment sees the installed
copies through links, collected from each distribution's metadata.
"""

from __future__ import annotations

import importlib.metadata
import re
import shutil
import subprocess
import sys
import textwrap
import venv
from pathlib import Path

import pytest
import tomllib

ROOT = Path(__file__).resolve().parents[1]
BOOK_ONLY = [
    "matplotlib",
    "ipywidgets",
    "IPython",
    "PIL",
    "sklearn",
    "mlxtend",
    "pandas",
]

SCRIPT = textwrap.dedent(
    """
    import importlib.util, sys
    import torch
    import lrdlib
    from lrdlib import track

    loaded = sorted({m.split(".")[0] for m in sys.modules} & set(sys.argv[1:]))
    assert not loaded, f"import lrdlib loaded {loaded}"
    assert all(importlib.util.find_spec(m) is None for m in sys.argv[1:])

    torch.manual_seed(0)
    model = torch.nn.Sequential(
        torch.nn.Linear(8, 16), torch.nn.Tanh(), torch.nn.Linear(16, 3)
    )
    X, y = torch.randn(60, 8), torch.arange(60) % 3
    updates = track.UpdateTracker(model, rank=2)
    features = track.FeatureTracker(model, X, y)
    optimiser = torch.optim.SGD(model.parameters(), lr=0.1)
    for step in range(21):
        if step % 10 == 0:
            updates.record(step)
            features.record(step)
        loss = torch.nn.functional.cross_entropy(model(X), y)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
    assert len(updates.records) == 6 and len(features.records) == 3
    assert 0 < updates.records[-1]["top_share"] <= 1
    try:
        updates.frame()
    except ModuleNotFoundError as error:
        assert "pip install pandas" in str(error)
    else:
        raise AssertionError("frame() worked without pandas")
    try:
        import lrdlib.book  # noqa: F401
    except ModuleNotFoundError as error:
        assert "lrdlib[book]" in str(error)
    else:
        raise AssertionError("lrdlib.book imported without its extra")
    import importlib.metadata
    requires = importlib.metadata.requires("lrdlib")
    core = sorted(r for r in requires if "extra ==" not in r)
    assert core == ["numpy", "scipy", "torch", "tqdm"], core
    print("core ok", lrdlib.__version__)
    """
)


def core_dependencies() -> list[str]:
    """The ``dependencies`` of ``pyproject.toml``, as distribution names."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return [re.match(r"[A-Za-z0-9._-]+", d).group() for d in project["dependencies"]]


def closure(names: list[str]) -> set[str]:
    """The installed distributions ``names`` need, recursively (extras left out)."""
    seen: set[str] = set()
    todo = list(names)
    while todo:
        name = todo.pop()
        try:
            dist = importlib.metadata.distribution(name)
        except importlib.metadata.PackageNotFoundError:
            continue  # a dependency for another platform
        key = dist.metadata["Name"].lower()
        if key in seen:
            continue
        seen.add(key)
        for requirement in dist.requires or []:
            if "extra ==" not in requirement:
                todo.append(re.match(r"[A-Za-z0-9._-]+", requirement).group())
    return seen


def link_distributions(names: set[str], target: Path) -> None:
    """Link every top-level file and folder of each distribution into ``target``."""
    target.mkdir()
    for name in names:
        dist = importlib.metadata.distribution(name)
        tops = {
            Path(f).parts[0] for f in dist.files or [] if not str(f).startswith("..")
        }
        for top in tops:
            source = Path(dist.locate_file(top))
            if source.exists() and not (target / top).exists():
                (target / top).symlink_to(source)


@pytest.mark.skipif(sys.version_info < (3, 11), reason="tomllib is Python 3.11+")
def test_the_core_installs_and_runs_with_only_its_dependencies(tmp_path):
    assert core_dependencies() == ["torch", "numpy", "scipy", "tqdm"]
    env = tmp_path / "env"
    venv.create(env, with_pip=True)
    python = env / "bin" / "python"
    site = subprocess.check_output(
        [python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        text=True,
    ).strip()
    deps = tmp_path / "core-deps"
    link_distributions(closure(core_dependencies()), deps)
    (Path(site) / "core-deps.pth").write_text(f"{deps}\n")
    # the book's own packages must not be among the linked ones
    assert not {"matplotlib", "pandas", "scikit-learn"} & closure(core_dependencies())
    # build from a scratch copy: setuptools writes build/ beside the sources
    source = tmp_path / "source"
    shutil.copytree(
        ROOT / "lrdlib", source / "lrdlib", ignore=shutil.ignore_patterns("__pycache__")
    )
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(ROOT / name, source / name)
    wheel_dir = tmp_path / "wheel"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
        ]
        + ["--wheel-dir", str(wheel_dir), str(source)],
        check=True,
        cwd=tmp_path,
    )
    wheel = next(wheel_dir.glob("lrdlib-*.whl"))
    subprocess.run(
        # the dependencies are linked in already (pip would ask for torch's
        # setuptools pin, which the new environment's own setuptools shadows)
        [
            python,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-index",
            "--no-deps",
            str(wheel),
        ],
        check=True,
    )
    result = subprocess.run(
        [python, "-c", SCRIPT, *BOOK_ONLY],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "core ok" in result.stdout
