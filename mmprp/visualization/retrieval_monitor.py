"""Retrieval top-1 of held-out training videos against the epoch.

The values :class:`~mmprp.engine.RetrievalMonitorHook` logged while PRP
pretrained (``monitor/retrieval/top1`` in ``vis_data/scalars.json``, read by
:func:`~mmprp.visualization.read_training_curves`), one curve per run; the
value at epoch 0 is the encoder's random initialisation.
"""
from pathlib import Path
from typing import Dict, Optional

import numpy as np

from ..utils.typing_utils import PathLike
from .figure import new_figure, save_figure
from .training_curves import MONITOR_TOP1, TrainingCurves, run_colors

PANEL_SIZE = (6.0, 4.0)


def plot_retrieval_monitor(runs: Dict[str, TrainingCurves],
                           out_png: PathLike,
                           chance: Optional[float] = None) -> Path:
    """Draw retrieval top-1 against the epoch, with the random init's level.

    Args:
        runs (dict[str, TrainingCurves]): Label to a run's curves; every run
            must have logged the monitor, at epoch 0 too.
        out_png (str | Path): Output PNG.
        chance (float, optional): Chance top-1 (about 1 / number of
            classes), drawn dotted. Defaults to None (not drawn).

    Returns:
        Path: The written PNG.

    Raises:
        ValueError: Naming a run without the monitor's values at epoch 0.
    """
    starts = [_start(label, curves) for label, curves in runs.items()]
    fig, axes = new_figure(1, 1, PANEL_SIZE)
    ax = axes[0, 0]
    for color, (label, curves) in zip(run_colors(len(runs)), runs.items()):
        epochs, top1 = curves.val[MONITOR_TOP1]
        ax.plot(
            epochs,
            100 * top1,
            'o-',
            color=color,
            markersize=3,
            label=f'PRP, {label}')
    random_init = 100 * float(np.mean(starts))
    ax.axhline(
        random_init,
        color='black',
        linestyle='--',
        label=f'random init (epoch 0, mean): {random_init:.1f}')
    if chance is not None:
        ax.axhline(
            100 * chance,
            color='grey',
            linestyle=':',
            label=f'chance: {100 * chance:.1f}')
    ax.set_ylim(bottom=0)
    ax.set_xlabel('epoch')
    ax.set_ylabel('retrieval top-1 (%)')
    ax.set_title('Retrieval top-1 of held-out training videos')
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return save_figure(fig, out_png)


def _start(label: str, curves: TrainingCurves) -> float:
    """A run's monitored top-1 at epoch 0 (its random initialisation).

    Args:
        label (str): The run's label, for the error.
        curves (TrainingCurves): Its curves.

    Returns:
        float: The top-1 in [0, 1].

    Raises:
        ValueError: If the run has no monitor value at epoch 0.
    """
    epochs, top1 = curves.val.get(MONITOR_TOP1, (np.zeros(0), np.zeros(0)))
    if 0 not in epochs:
        raise ValueError(f'run {label!r} has no {MONITOR_TOP1} at epoch 0 (in '
                         f'{[str(s) for s in curves.sources]}): train it with '
                         'RetrievalMonitorHook(at_start=True)')
    return float(top1[list(epochs).index(0)])
