"""Matplotlib figures drawn off-screen with the Agg canvas.

The tools build :class:`matplotlib.figure.Figure` objects directly on a
:class:`FigureCanvasAgg`: no display is needed and pyplot's global backend
and figure registry stay untouched.
"""
from pathlib import Path
from typing import Optional, Sequence, Tuple

import numpy as np
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from torch import Tensor, nn

from ..utils.typing_utils import PathLike

DPI = 100
HEATMAP_ALPHA = 0.5
HEATMAP_CMAP = 'jet'


def new_figure(
    rows: int,
    cols: int,
    panel_size: Tuple[float, float],
    extra_size: Tuple[float, float] = (0., 0.)
) -> Tuple[Figure, np.ndarray]:
    """A figure of ``rows`` x ``cols`` panels on an Agg canvas.

    Args:
        rows (int): Panel rows.
        cols (int): Panel columns.
        panel_size (tuple[float, float]): Width and height of a panel in
            inches.
        extra_size (tuple[float, float]): Inches added to the width and
            height, for colour bars and titles. Defaults to none.

    Returns:
        tuple[Figure, np.ndarray]: The figure and its (rows, cols) axes.
    """
    width = cols * panel_size[0] + extra_size[0]
    height = rows * panel_size[1] + extra_size[1]
    fig = Figure(figsize=(width, height), dpi=DPI, layout='constrained')
    FigureCanvasAgg(fig)
    axes = fig.subplots(rows, cols, squeeze=False)
    return fig, axes


def save_figure(fig: Figure, out_png: PathLike) -> Path:
    """Write a figure as PNG, creating the folder.

    Args:
        fig (Figure): The figure.
        out_png (str | Path): Output file.

    Returns:
        Path: The written file.
    """
    out = Path(out_png)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=DPI)
    return out


def show_image(ax: Axes,
               image: np.ndarray,
               title: str,
               ylabel: Optional[str] = None) -> None:
    """Draw an RGB image without ticks.

    Args:
        ax (Axes): The panel.
        image (np.ndarray): (H, W, 3) in [0, 1].
        title (str): Panel title.
        ylabel (str, optional): Row label left of the panel.
    """
    ax.imshow(image)
    ax.set_title(title, fontsize=9)
    ax.set_xticks([])
    ax.set_yticks([])
    if ylabel:
        ax.set_ylabel(ylabel, fontsize=10)


def overlay_heatmap(ax: Axes,
                    heatmap: np.ndarray,
                    norm: Normalize,
                    cmap: str = HEATMAP_CMAP) -> None:
    """Blend a heatmap over the image already drawn in ``ax``.

    Args:
        ax (Axes): A panel holding an image of the heatmap's size.
        heatmap (np.ndarray): (H, W) values.
        norm (Normalize): Value range of the colormap.
        cmap (str): Matplotlib colormap name. Defaults to ``'jet'``.
    """
    ax.imshow(heatmap, cmap=cmap, norm=norm, alpha=HEATMAP_ALPHA)


def add_colorbar(fig: Figure,
                 axes: Sequence[Axes],
                 norm: Normalize,
                 label: str,
                 cmap: str = HEATMAP_CMAP,
                 ticks: Optional[Sequence[float]] = None) -> None:
    """A colour bar (without the overlay's transparency) beside ``axes``.

    Args:
        fig (Figure): The figure.
        axes (Sequence[Axes]): Panels the bar belongs to.
        norm (Normalize): Value range.
        label (str): What the colours mean.
        cmap (str): Matplotlib colormap name. Defaults to ``'jet'``.
        ticks (Sequence[float], optional): Tick values; matplotlib's
            choice by default.
    """
    mappable = ScalarMappable(norm=norm, cmap=colormaps[cmap])
    fig.colorbar(
        mappable,
        ax=list(axes),
        label=label,
        ticks=ticks,
        fraction=0.03,
        pad=0.01)


def to_display(frames: Tensor, preprocessor: nn.Module) -> np.ndarray:
    """Undo the data preprocessor's normalisation for display.

    Args:
        frames (Tensor): Preprocessed frames (C, T, H, W).
        preprocessor (nn.Module): The model's data preprocessor; with
            normalisation it has ``mean`` and ``std`` buffers.

    Returns:
        np.ndarray: (T, H, W, C) float RGB in [0, 1].
    """
    frames = frames.detach().float()
    if hasattr(preprocessor, 'mean'):
        frames = frames * preprocessor.std.to(frames) + preprocessor.mean.to(
            frames)
    pixels = (frames / 255.).clamp(0, 1).permute(1, 2, 3, 0)
    return pixels.cpu().numpy()
