"""Training curves of PRP runs from mmengine's ``vis_data/scalars.json``.

mmengine's ``LocalVisBackend`` appends one JSON object per logging step to
``<work_dir>/<timestamp>/vis_data/scalars.json``: training records carry
``epoch``, ``iter`` (the global iteration) and the losses smoothed over the
logging window; validation records carry the metrics and ``step`` (the
epoch, for epoch-based training), and so do the records of
:class:`~mmprp.engine.RetrievalMonitorHook` (``monitor/retrieval/top{k}``;
records of one epoch are merged). A resumed run (``--resume``) writes a new
timestamped folder; the curves follow the run across all of them, a later
folder's record replacing an earlier one of the same iteration or epoch
(what a killed run logged after its last checkpoint). The figure has four
panels: training
``loss_rate`` and ``loss_recon`` per iteration (with their epoch means), and
validation ``pretext/loss`` and ``pretext/rate_acc`` per epoch, with the
chance level of the rate accuracy.
"""
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
from matplotlib import colormaps
from matplotlib.axes import Axes

from ..utils.typing_utils import PathLike
from .figure import new_figure, save_figure

Series = Tuple[np.ndarray, np.ndarray]
TRAIN_KEYS = ('loss_rate', 'loss_recon')
MONITOR_TOP1 = 'monitor/retrieval/top1'
VAL_KEYS = ('pretext/loss', 'pretext/rate_acc', MONITOR_TOP1)
PANEL_SIZE = (6.0, 4.0)


@dataclass
class TrainingCurves:
    """The series of one run, each as ``(x, y)`` arrays.

    Attributes:
        sources (list[Path]): The ``scalars.json`` files read, oldest
            first.
        train (dict[str, Series]): Training key to (iteration, value).
        train_epoch_mean (dict[str, Series]): Training key to (last
            iteration of the epoch, mean of the epoch's logged values).
        val (dict[str, Series]): Validation (and retrieval monitor) key to
            (epoch, value).
    """

    sources: List[Path]
    train: Dict[str, Series] = field(default_factory=dict)
    train_epoch_mean: Dict[str, Series] = field(default_factory=dict)
    val: Dict[str, Series] = field(default_factory=dict)


def find_scalars_files(work_dir: PathLike) -> List[Path]:
    """The ``scalars.json`` files of a work dir, oldest first.

    Args:
        work_dir (str | Path): A work dir (runs in timestamped folders), a
            run folder, or a ``scalars.json`` itself.

    Returns:
        list[Path]: The files, in timestamp order.

    Raises:
        FileNotFoundError: If there is none.
    """
    path = Path(work_dir)
    if path.is_file():
        return [path]
    candidates = sorted(path.glob('*/vis_data/scalars.json')) or sorted(
        path.glob('vis_data/scalars.json'))
    if not candidates:
        raise FileNotFoundError(
            f'no */vis_data/scalars.json under {path}: is it an mmengine '
            f'work dir with LocalVisBackend?')
    return candidates


def _read_records(sources: List[Path]) -> Tuple[List[dict], List[dict]]:
    """Training and validation records of a run, later files winning.

    Returns:
        tuple[list[dict], list[dict]]: Training records sorted by ``iter``
        and per-epoch records sorted by ``step`` (a file's records of one
        step merged: validation and retrieval monitor).
    """
    train: Dict[int, dict] = {}
    val: Dict[int, dict] = {}
    for source in sources:
        steps: Dict[int, dict] = {}
        for line in source.read_text().splitlines():
            if line.strip():
                record = json.loads(line)
                if 'iter' in record:
                    train[record['iter']] = record
                else:
                    steps.setdefault(record['step'], {}).update(record)
        val.update(steps)
    return ([train[key]
             for key in sorted(train)], [val[key] for key in sorted(val)])


def _series(records: List[dict], key: str, x_key: str) -> Series:
    """(x, y) of the records that hold both ``x_key`` and ``key``."""
    pairs = np.array([(r[x_key], r[key])
                      for r in records if key in r and x_key in r],
                     dtype=float)
    return pairs[:, 0], pairs[:, 1]


def _epoch_means(records: List[dict], key: str) -> Series:
    """(last iteration, mean value) per epoch of a training key."""
    by_epoch: Dict[int, List[Tuple[int, float]]] = {}
    for record in records:
        if key in record and 'epoch' in record:
            by_epoch.setdefault(record['epoch'], []).append(
                (record['iter'], record[key]))
    ends = [max(i for i, _ in rows) for rows in by_epoch.values()]
    means = [np.mean([v for _, v in rows]) for rows in by_epoch.values()]
    return np.array(ends, dtype=float), np.array(means, dtype=float)


def read_training_curves(work_dir: PathLike) -> TrainingCurves:
    """Parse the scalars of a work dir's run, across resumptions.

    Args:
        work_dir (str | Path): See :func:`find_scalars_files`.

    Returns:
        TrainingCurves: The series found (keys never logged are absent).
    """
    sources = find_scalars_files(work_dir)
    train, val = _read_records(sources)
    curves = TrainingCurves(sources)
    for key in TRAIN_KEYS:
        if any(key in r for r in train):
            curves.train[key] = _series(train, key, 'iter')
            curves.train_epoch_mean[key] = _epoch_means(train, key)
    for key in VAL_KEYS:
        if any(key in r for r in val):
            curves.val[key] = _series(val, key, 'step')
    return curves


def _finish_panel(ax: Axes, title: str, xlabel: str, ylabel: str) -> None:
    """Title, axis labels, grid and legend (or 'not logged')."""
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=8)
    else:
        ax.text(
            0.5,
            0.5,
            'not logged',
            ha='center',
            va='center',
            transform=ax.transAxes,
            color='grey')


def _plot_train(ax: Axes, runs: Dict[str, TrainingCurves], key: str) -> None:
    """Per-interval and epoch-mean curves of a training key, per run."""
    for color, (label, curves) in zip(run_colors(len(runs)), runs.items()):
        if key not in curves.train:
            continue
        ax.plot(
            *curves.train[key],
            color=color,
            alpha=0.35,
            linewidth=1,
            label=f'{label}: per log interval')
        ax.plot(
            *curves.train_epoch_mean[key],
            'o-',
            color=color,
            markersize=3,
            label=f'{label}: epoch mean')
    _finish_panel(ax, f'train {key} (weighted)', 'iteration', key)


def _plot_val(ax: Axes, runs: Dict[str, TrainingCurves], key: str,
              ylabel: str) -> None:
    """Per-epoch curve of a validation key, per run."""
    for color, (label, curves) in zip(run_colors(len(runs)), runs.items()):
        if key in curves.val:
            ax.plot(
                *curves.val[key], 'o-', color=color, markersize=3, label=label)
    _finish_panel(ax, f'validation {key}', 'epoch', ylabel)


def run_colors(count: int) -> List:
    """One tab10 colour per run, in run order.

    Args:
        count (int): Number of runs.

    Returns:
        list: Matplotlib RGBA colours.
    """
    return [colormaps['tab10'](i % 10) for i in range(count)]


def plot_training_curves(runs: Dict[str, TrainingCurves],
                         out_png: PathLike,
                         chance: float = 0.25) -> Path:
    """Draw the four panels for one or more runs.

    Args:
        runs (dict[str, TrainingCurves]): Label to the run's curves.
        out_png (str | Path): Output PNG.
        chance (float): Chance rate accuracy, 1 / len(rates). Defaults to
            0.25.

    Returns:
        Path: The written PNG.
    """
    fig, axes = new_figure(2, 2, PANEL_SIZE)
    _plot_train(axes[0, 0], runs, 'loss_rate')
    _plot_train(axes[0, 1], runs, 'loss_recon')
    _plot_val(axes[1, 0], runs, 'pretext/loss', 'weighted total loss')
    axes[1, 1].axhline(
        chance, color='grey', linestyle='--', label=f'chance ({chance:.3g})')
    _plot_val(axes[1, 1], runs, 'pretext/rate_acc', 'rate accuracy')
    axes[1, 1].set_ylim(0, 1)
    fig.suptitle('PRP pretraining: ' + ', '.join(runs))
    return save_figure(fig, out_png)


def plot_work_dirs(work_dirs: Sequence[PathLike],
                   out_png: PathLike,
                   labels: Optional[Sequence[str]] = None,
                   chance: float = 0.25) -> Dict[str, TrainingCurves]:
    """Read the latest run of each work dir and draw the curves.

    Args:
        work_dirs (Sequence[str | Path]): mmengine work dirs.
        out_png (str | Path): Output PNG.
        labels (Sequence[str], optional): One per work dir; defaults to the
            folder names.
        chance (float): See :func:`plot_training_curves`.

    Returns:
        dict[str, TrainingCurves]: Label to the curves drawn.

    Raises:
        ValueError: If labels and work dirs differ in number or repeat.
    """
    labels = list(labels or [Path(w).resolve().name for w in work_dirs])
    if len(labels) != len(work_dirs) or len(set(labels)) != len(labels):
        raise ValueError(f'need one distinct label per work dir, got '
                         f'{labels} for {len(work_dirs)} work dirs')
    runs = {
        label: read_training_curves(work_dir)
        for label, work_dir in zip(labels, work_dirs)
    }
    plot_training_curves(runs, out_png, chance)
    return runs
