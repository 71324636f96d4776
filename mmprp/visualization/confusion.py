"""Playback-rate confusion matrix of the rate classifier.

:meth:`SelfSupRecognizer.predict` writes ``pred_rate`` next to the sampler's
``rate_label`` in every data sample; :func:`collect_rate_predictions` runs
it over a data loader and :func:`plot_rate_confusion` draws true against
predicted rates.
"""
from typing import Sequence, Tuple

import numpy as np
import torch
from matplotlib.colors import Normalize
from mmengine.utils import ProgressBar
from torch import nn
from torch.utils.data import DataLoader

from ..utils.typing_utils import PathLike
from .figure import add_colorbar, new_figure, save_figure

CONFUSION_CMAP = 'Blues'
PANEL_SIZE = (6.0, 5.0)
# Cells darker than this share of the colour scale get white text.
DARK_CELL = 0.5


@torch.no_grad()
def collect_rate_predictions(
        model: nn.Module,
        dataloader: DataLoader) -> Tuple[np.ndarray, np.ndarray]:
    """True and predicted rate labels of every sample of a data loader.

    Args:
        model (nn.Module): A :class:`SelfSupRecognizer` with a rate head.
        dataloader (DataLoader): Yields PRP batches (a validation loader).

    Returns:
        tuple[np.ndarray, np.ndarray]: ``rate_label`` and ``pred_rate``
        (indices into the sampler's rates), one per sample.
    """
    model.eval()
    true, pred = [], []
    bar = ProgressBar(len(dataloader.dataset))
    for batch in dataloader:
        for sample in model.test_step(batch):
            true.append(int(sample.rate_label))
            pred.append(int(sample.pred_rate))
            bar.update()
    return np.array(true, dtype=np.int64), np.array(pred, dtype=np.int64)


def rate_confusion_matrix(true_labels: Sequence[int],
                          pred_labels: Sequence[int],
                          num_rates: int) -> np.ndarray:
    """Counts of (true, predicted) rate-label pairs.

    Args:
        true_labels (Sequence[int]): True rate labels.
        pred_labels (Sequence[int]): Predicted rate labels.
        num_rates (int): Number of rates.

    Returns:
        np.ndarray: (num_rates, num_rates) int64 counts, rows true,
        columns predicted.
    """
    counts = np.zeros((num_rates, num_rates), dtype=np.int64)
    np.add.at(counts, (np.asarray(
        true_labels, dtype=np.int64), np.asarray(pred_labels, dtype=np.int64)),
              1)
    return counts


def plot_rate_confusion(true_labels: Sequence[int], pred_labels: Sequence[int],
                        rates: Sequence[int], out_png: PathLike) -> np.ndarray:
    """Draw the playback-rate confusion matrix.

    Each cell shows its count and its share of the row (of the clips with
    that true rate); the colour is that share.

    Args:
        true_labels (Sequence[int]): True rate labels (indices into
            ``rates``).
        pred_labels (Sequence[int]): Predicted rate labels.
        rates (Sequence[int]): The sampler's rates.
        out_png (str | Path): Output PNG.

    Returns:
        np.ndarray: The counts drawn (see :func:`rate_confusion_matrix`).
    """
    counts = rate_confusion_matrix(true_labels, pred_labels, len(rates))
    shares = counts / np.maximum(counts.sum(1, keepdims=True), 1)
    fig, axes = new_figure(1, 1, PANEL_SIZE)
    ax = axes[0, 0]
    norm = Normalize(0., 1.)
    ax.imshow(shares, cmap=CONFUSION_CMAP, norm=norm)
    for (row, col), count in np.ndenumerate(counts):
        color = 'white' if shares[row, col] > DARK_CELL else 'black'
        ax.text(
            col,
            row,
            f'{count}\n{shares[row, col]:.0%}',
            ha='center',
            va='center',
            color=color)
    ticks = np.arange(len(rates))
    ax.set_xticks(ticks, [str(rate) for rate in rates])
    ax.set_yticks(ticks, [str(rate) for rate in rates])
    ax.set_xlabel('predicted rate')
    ax.set_ylabel('true rate')
    total = int(counts.sum())
    accuracy = np.trace(counts) / max(total, 1)
    ax.set_title(f'Playback-rate confusion\n{total} clips, accuracy '
                 f'{accuracy:.1%} (uniform chance {1 / len(rates):.1%})')
    add_colorbar(fig, [ax], norm, 'share of the true rate\'s clips',
                 CONFUSION_CMAP)
    save_figure(fig, out_png)
    return counts
