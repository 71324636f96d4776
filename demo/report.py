"""The demo's report: PRP against random initialisation over seeds.

Every number in ``report.md`` comes from the :class:`SeedResult` values the
runs returned; ``results.json`` beside it holds the same values unrounded.
"""
import json
import math
import statistics
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Dict, List, Mapping, Optional, Sequence

import torch
from mmengine import Config

from mmprp.apis import step_index
from mmprp.testing import SyntheticDataset
from .reconstruction import PREDICTORS
from .runs import MONITOR_LISTS, prp_sampler
from .settings import DemoSettings

TOPK = (1, 5, 10, 20, 50)
# The paper's C3D rows on UCF101 split 1 (retrieval, Table 4) and over the
# 3 splits (finetuning, Table 3), in percent.
PAPER_RETRIEVAL = {
    'random init': (16.7, 27.5, 33.7, 41.4, 53.0),
    'PRP': (23.2, 38.1, 46.0, 55.7, 68.4)
}
PAPER_FINETUNE = {'random init': 61.8, 'PRP': 69.1}
RECONSTRUCTION_LABELS = {
    'decoder': 'PRP decoder',
    'mean_frame': 'mean frame',
    'nearest_frame': 'nearest input frame',
    'mean_colour': 'mean colour'
}


@dataclass(frozen=True)
class SeedResult:
    """What one seed produced.

    Attributes:
        seed (int): The seed of pretraining and of the random init.
        prp (dict[str, float]): Evaluator metrics of the PRP encoder.
        random (dict[str, float]): Evaluator metrics of the random init.
        rate_acc (float | None): Last validation rate accuracy of the
            pretraining run (None without a validation).
        pretrain_seconds (float): Wall time of the pretraining run.
        reconstruction (dict[str, float]): Masked m-MSE on the test videos
            of the PRP decoder and of the trivial predictors, with the
            sizes of the encoder map and the target
            (:func:`demo.reconstruction.reconstruction_errors`).
        monitor_top1 (dict[int, float]): Retrieval top-1 of the held-out
            train videos while pretraining, by epoch (0: the random
            initialisation).
    """

    seed: int
    prp: Dict[str, float]
    random: Dict[str, float]
    rate_acc: Optional[float]
    pretrain_seconds: float
    reconstruction: Dict[str, float]
    monitor_top1: Dict[int, float]


@dataclass(frozen=True)
class Comparison:
    """PRP against random init on one metric, over the seeds.

    Attributes:
        metric (str): The evaluator key, e.g. ``'retrieval/top1'``.
        prp_mean (float): Mean over seeds of PRP.
        prp_std (float): Sample standard deviation over seeds of PRP.
        random_mean (float): Mean over seeds of random init.
        random_std (float): Sample standard deviation of random init.
        wins (int): Seeds whose PRP value beats the same seed's random
            init.
        seeds (int): Number of seeds.
    """

    metric: str
    prp_mean: float
    prp_std: float
    random_mean: float
    random_std: float
    wins: int
    seeds: int

    @property
    def margin(self) -> float:
        """float: PRP mean minus random-init mean."""
        return self.prp_mean - self.random_mean

    @property
    def spread(self) -> float:
        """float: The larger seed-to-seed standard deviation of the two."""
        return max(self.prp_std, self.random_std)

    @property
    def shown(self) -> bool:
        """bool: PRP is ahead by more than the seed-to-seed spread."""
        return self.seeds >= 2 and self.margin > self.spread


def compare(results: Sequence[SeedResult], metric: str) -> Comparison:
    """Mean, spread and wins of PRP and random init on one metric.

    Args:
        results (Sequence[SeedResult]): One per seed.
        metric (str): The evaluator key.

    Returns:
        Comparison: The summary.
    """
    prp = [result.prp[metric] for result in results]
    random = [result.random[metric] for result in results]
    return Comparison(metric, statistics.fmean(prp), _std(prp),
                      statistics.fmean(random), _std(random),
                      sum(p > r for p, r in zip(prp, random)), len(results))


def _std(values: Sequence[float]) -> float:
    """Sample standard deviation, 0 for a single value."""
    return statistics.stdev(values) if len(values) > 1 else 0.0


def _pct(value: float) -> str:
    """A [0, 1] value as a percentage with one decimal; NaN (a retrieval
    top-k that the gallery is too small to measure) as ``'n/a'``."""
    return 'n/a' if math.isnan(value) else f'{100 * value:.1f}'


def _mean_std(values: Sequence[float]) -> str:
    """``mean ± std`` in percent; ``'n/a'`` if a value is NaN."""
    if any(map(math.isnan, values)):
        return 'n/a'
    return f'{_pct(statistics.fmean(values))} ± {_pct(_std(values))}'


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A Markdown table."""
    lines = ['| ' + ' | '.join(header) + ' |', '|' + '---|' * len(header)]
    lines += ['| ' + ' | '.join(row) + ' |' for row in rows]
    return '\n'.join(lines)


def results_table(results: Sequence[SeedResult]) -> str:
    """Retrieval top-k and probe accuracy, per seed and mean ± std.

    Args:
        results (Sequence[SeedResult]): One per seed.

    Returns:
        str: A Markdown table in percent.
    """
    keys = [f'retrieval/top{k}' for k in TOPK] + ['probe/top1']
    header = ['encoder', 'seed'] + [f'top{k}' for k in TOPK] + ['probe top1']
    rows = []
    for name, attr in (('PRP', 'prp'), ('random init', 'random')):
        for result in results:
            metrics = getattr(result, attr)
            rows.append([name, str(result.seed)]
                        + [_pct(metrics[key]) for key in keys])
        rows.append([f'**{name}**', '**mean ± std**'] + [
            _mean_std([getattr(r, attr)[key] for r in results]) for key in keys
        ])
    return _table(header, rows)


def monitor_table(results: Sequence[SeedResult]) -> str:
    """The retrieval monitor's top-1 by epoch, per seed and mean ± std.

    Args:
        results (Sequence[SeedResult]): One per seed, monitored at the same
            epochs.

    Returns:
        str: A Markdown table in percent, one row per monitored epoch.
    """
    header = ['epoch'] + [f'seed {r.seed}' for r in results] + ['mean ± std']
    rows = []
    for epoch in sorted(results[0].monitor_top1):
        values = [result.monitor_top1[epoch] for result in results]
        label = f'{epoch} (random init)' if epoch == 0 else str(epoch)
        rows.append([label] + [_pct(v) for v in values] + [_mean_std(values)])
    return _table(header, rows)


def reconstruction_table(results: Sequence[SeedResult]) -> str:
    """Masked m-MSE of the decoder and the trivial predictors per seed.

    Args:
        results (Sequence[SeedResult]): One per seed.

    Returns:
        str: A Markdown table (lower is better).
    """
    header = ['seed'] + [RECONSTRUCTION_LABELS[name] for name in PREDICTORS]
    rows = [[str(result.seed)]
            + [f'{result.reconstruction[name]:.4f}' for name in PREDICTORS]
            for result in results]
    return _table(header, rows)


def reconstruction_verdict(results: Sequence[SeedResult]) -> str:
    """One sentence on whether the decoder beat the trivial predictors.

    The claim is that it beats the mean frame in every seed: the mean frame
    is the best static prediction (one frame for the whole target) in
    squared error, so beating it takes rendering the motion. The nearest
    input frame (exact on the target frames that are input frames) and the
    flat mean colour are reported beside it.

    Args:
        results (Sequence[SeedResult]): One per seed.

    Returns:
        str: The sentence, with the means over seeds.
    """
    errors = [result.reconstruction for result in results]
    wins = {
        name: sum(e['decoder'] < e[name] for e in errors)
        for name in PREDICTORS[1:]
    }
    means = ', '.join(f'{RECONSTRUCTION_LABELS[name]} '
                      f'{statistics.fmean(e[name] for e in errors):.4f}'
                      for name in PREDICTORS)
    numbers = (f"its masked m-MSE is below the mean frame's in "
               f"{wins['mean_frame']} of {len(results)} seeds, below the "
               f"nearest input frame's in {wins['nearest_frame']} and below "
               f"the mean colour's in {wins['mean_colour']} (means: {means})")
    if wins['mean_frame'] == len(results):
        return ('**Reconstruction: the decoder renders the motion**; '
                f'{numbers}. The mean frame is the best static prediction, '
                'so the decoder predicts how the frames change.')
    code, target = errors[0]['code_size'], errors[0]['target_size']
    return ('**Reconstruction: the decoder does not beat the mean frame**; '
            f'{numbers}. The predictors copy pixels of the input clip; the '
            f'decoder sees only the encoder map, {code:.0f} numbers per clip '
            f'for a target of {target:.0f}.')


def paper_table() -> str:
    """The paper's C3D numbers on UCF101, for context.

    Returns:
        str: A Markdown table in percent.
    """
    header = ['C3D on UCF101 (paper)'] + [f'top{k}'
                                          for k in TOPK] + ['finetune top1']
    rows = [[name] + [f'{v:.1f}' for v in PAPER_RETRIEVAL[name]]
            + [f'{PAPER_FINETUNE[name]:.1f}'] for name in PAPER_RETRIEVAL]
    return _table(header, rows)


def verdict(comparison: Comparison, label: str, chance: float) -> str:
    """One sentence on whether PRP beat random init, from the numbers.

    Args:
        comparison (Comparison): The summary of one metric.
        label (str): What the metric is, e.g. ``'retrieval top-1'``.
        chance (float): The metric's chance level.

    Returns:
        str: The sentence.
    """
    c = comparison
    numbers = (f'PRP {_pct(c.prp_mean)} ± {_pct(c.prp_std)} vs random init '
               f'{_pct(c.random_mean)} ± {_pct(c.random_std)} (chance '
               f'{_pct(chance)}); PRP is ahead in {c.wins} of {c.seeds} '
               f'seeds')
    if c.shown:
        return (f'**{label}: PRP beats random initialisation.** {numbers}; '
                f'the margin, {_pct(c.margin)} points, is larger than the '
                f'largest seed-to-seed standard deviation, '
                f'{_pct(c.spread)}.')
    return (f'**{label}: this run does not show PRP beating random '
            f'initialisation.** {numbers}; the margin, {_pct(c.margin)} '
            f'points, is not larger than the largest seed-to-seed standard '
            f'deviation, {_pct(c.spread)}.')


def describe_setup(settings: DemoSettings, cfg: Config,
                   dataset: SyntheticDataset) -> List[str]:
    """The data, model and training budget, read from the config run.

    Args:
        settings (DemoSettings): The demo run.
        cfg (Config): The pretraining config.
        dataset (SyntheticDataset): The demo dataset.

    Returns:
        list[str]: One line each for the data, the encoder, the PRP
        heads and the pretraining budget.
    """
    train_list, test_list = dataset.ann_files[1]
    num_train = len(train_list.read_text().splitlines())
    num_test = len(test_list.read_text().splitlines())
    loader = cfg.train_dataloader
    num_pretrain = len(Path(loader.dataset.ann_file).read_text().splitlines())
    num_monitor = [
        len((dataset.root / name).read_text().splitlines())
        for name in MONITOR_LISTS
    ]
    sampler = prp_sampler(cfg)
    steps = loader.dataset.pipeline
    crop = steps[step_index(steps, 'CenterCrop')]['crop_size']
    width = cfg.model.backbone.base_channels
    model = cfg.model
    epochs = cfg.train_cfg.max_epochs
    steps = epochs * math.ceil(num_pretrain / loader.batch_size)
    optimizer = cfg.optim_wrapper.optimizer
    return [
        f'data: {settings.num_classes} synthetic motion classes, '
        f'{len(dataset.frame_counts)} videos of {settings.frame_size[0]}×'
        f'{settings.frame_size[1]} pixels and {settings.num_frames[0]}-'
        f'{settings.num_frames[1]} frames, one object of '
        f'{settings.object_size[0]:.0%}-{settings.object_size[1]:.0%} of '
        f"the frame height, appearance '{settings.appearance}'; split 1 "
        f'has {num_train} train and {num_test} test videos; pretraining '
        f'learns from {num_pretrain} of the train videos (test groups never '
        f'seen), the other {num_train - num_pretrain} '
        f'({settings.monitor_groups} more groups per class) are held out '
        f'for the retrieval monitor ({num_monitor[1]} queries against '
        f'{num_monitor[0]} gallery videos)',
        f'encoder: C3D at base width {width} (the paper: 64), input '
        f'{sampler["clip_len"]}×{crop}×{crop} (the paper: 16×112×112)',
        f'PRP: rates {tuple(sampler["rates"])}, reconstruction rate '
        f'r = {sampler["recon_rate"]}, motion attention '
        f'{sampler["attention"]}, λd = '
        f'{model.rate_head.loss_cls.loss_weight}, λg = '
        f'{model.decoder.loss.loss_weight}',
        f'pretraining: {epochs} epochs of batch {loader.batch_size} '
        f'({steps} steps) per seed, {optimizer.type} lr {optimizer.lr}, '
        'unlabelled train videos; the last checkpoint is evaluated; '
        f'torch threads: {torch.get_num_threads()}',
    ]


def write_results_json(path: Path, settings: DemoSettings,
                       results: Sequence[SeedResult],
                       timings: Mapping[str, float]) -> Path:
    """Write every number of the report, unrounded.

    Args:
        path (Path): The JSON file.
        settings (DemoSettings): The demo run.
        results (Sequence[SeedResult]): One per seed.
        timings (Mapping[str, float]): Seconds per stage.

    Returns:
        Path: ``path``.
    """
    payload = dict(
        settings={
            k: str(v) if isinstance(v, Path) else v
            for k, v in asdict(settings).items()
        },
        seeds=[asdict(result) for result in results],
        timings=dict(timings))
    path.write_text(json.dumps(payload, indent=2))
    return path


def write_report(path: Path, settings: DemoSettings,
                 results: Sequence[SeedResult], figures: Mapping[str, Path],
                 timings: Mapping[str, float], setup: Sequence[str],
                 num_rates: int) -> Path:
    """Write ``report.md``.

    Args:
        path (Path): The Markdown file; figures are linked relative to it.
        settings (DemoSettings): The demo run.
        results (Sequence[SeedResult]): One per seed.
        figures (Mapping[str, Path]): Caption to PNG.
        timings (Mapping[str, float]): Seconds per stage.
        setup (Sequence[str]): Lines describing the data and model
            (:func:`describe_setup`).
        num_rates (int): Number of playback rates of the pretext task.

    Returns:
        Path: ``path``.
    """
    chance = 1 / settings.num_classes
    num_query = int(results[0].prp['retrieval/num_query'])
    num_gallery = int(results[0].prp['retrieval/num_gallery'])
    rate_accs = [r.rate_acc for r in results if r.rate_acc is not None]
    lines: List[str] = [
        '# PRP demo report', '',
        'PRP pretraining (discriminative + generative perception with '
        'motion attention) on the built-in synthetic dataset, against the '
        'same encoder at random initialisation. Numbers in percent.', '',
        '## Setup', ''
    ] + [f'- {line}' for line in setup] + [
        f'- evaluation: split 1, {num_query} test videos query the '
        f'{num_gallery} pretraining videos (retrieval, cosine similarity); '
        'the linear probe is a softmax classifier fit on the frozen '
        'features of the pretraining videos and scored on the test videos '
        '(no finetuning)',
        f'- seeds: {", ".join(str(r.seed) for r in results)} (each seeds '
        'one pretraining run and one random initialisation)',
        '',
        '## PRP vs random initialisation',
        '',
        results_table(results),
        '',
        verdict(compare(results, 'retrieval/top1'), 'Retrieval top-1', chance),
        '',
        verdict(compare(results, 'probe/top1'), 'Linear probe top-1', chance),
        '',
    ]
    if rate_accs:
        lines += [
            'Playback-rate accuracy of the pretext task on the test videos '
            'after pretraining: '
            + ', '.join(f'seed {r.seed}: {_pct(r.rate_acc)}'
                        for r in results if r.rate_acc is not None)
            + f' (chance {_pct(1 / num_rates)}).', ''
        ]
    lines += [
        '## Retrieval during pretraining: the monitor', '',
        'Retrieval top-1 of held-out train videos (RetrievalMonitorHook: '
        'neither pretraining nor the test list has them; the queries are '
        'of other groups than the gallery; the features and clips of the '
        f'evaluation above; chance {_pct(chance)}), before the first epoch '
        '(the random initialisation) and at every validation. An outlook '
        'while training, not a second test: it does not pick the evaluated '
        'checkpoint (the last one).', '',
        monitor_table(results), ''
    ]
    lines += [
        '## The generative branch: reconstruction', '',
        f'Masked m-MSE on the {num_query} test videos (lower is better): '
        'the pretext loss without its weight, i.e. the squared error '
        'weighted by the motion attention over the real frames of the '
        'slowed-down target, averaged per video, then over the videos; '
        'one rate and a centred window per video (the validation sampler). '
        '*mean frame* predicts every target frame by the mean of the input '
        "clip's frames; *nearest input frame* predicts it by the input "
        'frame nearest in time (ties: the earlier one), which is exact on '
        'the target frames that are input frames; *mean colour* predicts '
        "every pixel by the clip's mean colour (a flat frame of the right "
        'colour). The trivial predictors do not depend on the seed.', '',
        reconstruction_table(results), '',
        reconstruction_verdict(results), '', '## The paper, for context', '',
        'Real UCF101 at full scale (C3D, 16×112×112, 300 epochs); not '
        'comparable in absolute terms with this synthetic demo, but the '
        'direction of the effect is the claim the demo checks.', '',
        paper_table(), '', '## Figures', ''
    ]
    for caption, png in figures.items():
        lines += [
            f'### {caption}', '',
            f'![{caption}]({png.relative_to(path.parent).as_posix()})', ''
        ]
    lines += [
        '## Time', '',
        _table(['stage', 'seconds'], [[stage, f'{seconds:.0f}']
                                      for stage, seconds in timings.items()]),
        ''
    ]
    path.write_text('\n'.join(lines))
    return path
