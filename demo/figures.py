"""The demo's figures, drawn with the reusable tools of mmprp.visualization."""
from pathlib import Path
from typing import Dict, List, Sequence

from mmengine import Config
from mmengine.runner import Runner

from mmprp.apis import build_model
from mmprp.testing import SyntheticDataset
from mmprp.visualization import (collect_rate_predictions, plot_rate_confusion,
                                 plot_retrieval_monitor, plot_work_dirs,
                                 visualize_activations,
                                 visualize_motion_attention)
from .runs import PretrainRun, prp_sampler

NUM_ACTIVATION_VIDEOS = 4


def first_test_videos(dataset: SyntheticDataset, count: int) -> List[Path]:
    """The first split-1 test video of ``count`` classes spread evenly.

    Args:
        dataset (SyntheticDataset): The demo dataset.
        count (int): How many videos (at most one per class).

    Returns:
        list[Path]: Video files.
    """
    test_list = dataset.ann_files[1][1]
    first = {}
    for line in test_list.read_text().splitlines():
        video, label = line.rsplit(maxsplit=1)
        first.setdefault(int(label), video)
    labels = sorted(first)
    step = max(1, len(labels) // count)
    return [
        dataset.video_dir / first[label] for label in labels[::step][:count]
    ]


def draw_figures(cfg: Config, dataset: SyntheticDataset,
                 runs: Sequence[PretrainRun], random_checkpoint: Path,
                 out_dir: Path) -> Dict[str, Path]:
    """Training curves, retrieval monitor, rate confusion, attention, maps.

    Args:
        cfg (Config): The pretraining config of ``runs[0]``.
        dataset (SyntheticDataset): The demo dataset.
        runs (Sequence[PretrainRun]): The pretraining runs; the first one's
            checkpoint is shown in the single-model figures.
        random_checkpoint (Path): The random initialisation of the first
            run's seed, for the activation comparison.
        out_dir (Path): Where the PNGs go.

    Returns:
        dict[str, Path]: Caption to PNG, in report order.
    """
    rates = tuple(prp_sampler(cfg)['rates'])
    shown = runs[0]
    figures = {}
    caption = 'Training curves (every seed)'
    figures[caption] = out_dir / 'training_curves.png'
    curves = plot_work_dirs([run.work_dir for run in runs], figures[caption],
                            [f'seed {run.seed}' for run in runs],
                            1 / len(rates))

    caption = ('Retrieval top-1 of held-out train videos during pretraining '
               '(every seed)')
    figures[caption] = out_dir / 'retrieval_monitor.png'
    plot_retrieval_monitor(curves, figures[caption],
                           1 / len(dataset.class_names))

    caption = f'Playback-rate confusion on the test videos (seed {shown.seed})'
    figures[caption] = out_dir / 'rate_confusion.png'
    model = build_model(cfg, shown.checkpoint, shown.seed)
    true, pred = collect_rate_predictions(
        model, Runner.build_dataloader(cfg.val_dataloader))
    plot_rate_confusion(true, pred, rates, figures[caption])

    caption = f'Motion attention on a test video (seed {shown.seed})'
    figures[caption] = out_dir / 'motion_attention.png'
    video = first_test_videos(dataset, 2)[-1]
    visualize_motion_attention(
        cfg,
        video,
        figures[caption],
        rate=rates[-2],
        checkpoint=shown.checkpoint)

    caption = (f'Encoder activations on test videos: PRP vs random init '
               f'(seed {shown.seed})')
    figures[caption] = out_dir / 'activations.png'
    visualize_activations(
        cfg, [shown.checkpoint, random_checkpoint],
        first_test_videos(dataset, NUM_ACTIVATION_VIDEOS),
        figures[caption],
        labels=['PRP', 'random init'],
        seed=shown.seed)
    return figures
