"""Fixtures of the visualisation tests: the demo config and model, tools."""
from pathlib import Path
from typing import Callable, Tuple

import pytest
import torch
from mmengine.config import Config
from PIL import Image

from mmprp.apis import build_model, load_config
from mmprp.testing import SyntheticDataset
from mmprp.visualization.figure import DPI
from helpers import REPO

DEMO_CONFIG = REPO / 'demo' / 'configs' / 'prp_c3d_demo.py'


@pytest.fixture(scope='session')
def demo_cfg() -> Config:
    """The demo config (narrow C3D, 48x48 crops)."""
    return load_config(DEMO_CONFIG)


@pytest.fixture(scope='session')
def demo_model(demo_cfg: Config) -> torch.nn.Module:
    """The demo model, randomly initialised with seed 0."""
    return build_model(demo_cfg)


@pytest.fixture(scope='session')
def videos(synthetic_ucf101: SyntheticDataset) -> list:
    """The synthetic videos, sorted."""
    return [
        synthetic_ucf101.video_dir / name
        for name in sorted(synthetic_ucf101.frame_counts)
    ]


def _png_size(path: Path) -> Tuple[int, int]:
    with Image.open(path) as image:
        assert image.format == 'PNG'
        return image.size


@pytest.fixture(scope='session')
def png_size() -> Callable[[Path], Tuple[int, int]]:
    """Width and height in pixels of a PNG file."""
    return _png_size


@pytest.fixture(scope='session')
def figure_pixels() -> Callable[..., Tuple[int, int]]:
    """Pixel size of a figure of panels saved at the tools' DPI.

    Called with ``(rows, cols, panel_size, extra_size)`` in inches, the
    sizes :func:`mmprp.visualization.figure.new_figure` takes.
    """

    def pixels(
        rows: int,
        cols: int,
        panel_size: Tuple[float, float],
        extra_size: Tuple[float, float] = (0., 0.)
    ) -> Tuple[int, int]:
        width = cols * panel_size[0] + extra_size[0]
        height = rows * panel_size[1] + extra_size[1]
        return round(width * DPI), round(height * DPI)

    return pixels


@pytest.fixture(scope='session')
def demo_config() -> Path:
    """Path of the demo config."""
    return DEMO_CONFIG
