"""The built-in demo: PRP on a synthetic action dataset, on a CPU.

Stages (each prints its progress; total time at the end):

1. write the synthetic UCF101-layout dataset (classes that differ only in
   how an object moves) to ``<work-dir>/data``;
2. pretrain PRP (discriminative + generative perception with motion
   attention, ``demo/configs/prp_c3d_demo.py``) once per seed on the split-1
   train videos, less the groups held out for the retrieval monitor
   (retrieval top-1/5 of those videos before training and at every
   validation), and measure each seed's reconstruction error on the test
   videos next to two trivial predictors (``demo/reconstruction.py``);
3. evaluate each seed's pretrained encoder and the same encoder at that
   seed's random initialisation (``demo/configs/retrieval_c3d_demo.py``):
   video retrieval top-1/5/10/20/50 and a linear probe;
4. draw the figures (training curves, the retrieval monitor's top-1
   against the epoch, rate confusion, motion attention, activation maps)
   into ``<work-dir>/figures``;
5. write ``<work-dir>/report.md`` and ``<work-dir>/results.json``.

Run ``make demo`` (which sets up ``.venv`` first) or
``python -m demo [--work-dir DIR] [--seeds 0 1 2] [--epochs N] ...``;
the smaller options exist for quick looks and for the tests.
"""
import argparse
import time
from pathlib import Path
from typing import Callable, Dict, List, TypeVar

import torch

from demo import (DemoSettings, SeedResult, describe_setup, draw_figures,
                  evaluate, make_dataset, measure_reconstruction, pretrain,
                  pretrain_config, prp_sampler, random_init_checkpoint,
                  write_report, write_results_json)

T = TypeVar('T')
DEFAULTS = DemoSettings()


def parse_args() -> DemoSettings:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument(
        '--work-dir',
        type=Path,
        default=DEFAULTS.work_dir,
        help=f'default: {DEFAULTS.work_dir}')
    parser.add_argument(
        '--seeds',
        type=int,
        nargs='+',
        default=list(DEFAULTS.seeds),
        help='one pretraining run and random init per seed '
        f'(default: {list(DEFAULTS.seeds)})')
    parser.add_argument(
        '--epochs',
        type=int,
        help="pretraining epochs (default: the config's)")
    parser.add_argument(
        '--classes',
        type=int,
        default=DEFAULTS.num_classes,
        help=f'default: {DEFAULTS.num_classes}')
    parser.add_argument(
        '--groups',
        type=int,
        default=DEFAULTS.groups_per_class,
        help='groups per class, a third of them test '
        f'(default: {DEFAULTS.groups_per_class})')
    parser.add_argument(
        '--monitor-groups',
        type=int,
        default=DEFAULTS.monitor_groups,
        help='train groups per class added and held out of pretraining for '
        'the retrieval monitor, half gallery, half queries; even '
        f'(default: {DEFAULTS.monitor_groups})')
    parser.add_argument(
        '--clips',
        type=int,
        default=DEFAULTS.clips_per_group,
        help=f'videos per group (default: '
        f'{DEFAULTS.clips_per_group})')
    parser.add_argument(
        '--eval-clips',
        type=int,
        help="clips per video in evaluation (default: the "
        "config's)")
    parser.add_argument(
        '--threads',
        type=int,
        default=DEFAULTS.threads,
        help="torch's threads; the numbers depend on it (default: "
        f'{DEFAULTS.threads})')
    args = parser.parse_args()
    try:
        return DemoSettings(
            work_dir=args.work_dir,
            num_classes=args.classes,
            groups_per_class=args.groups,
            clips_per_group=args.clips,
            monitor_groups=args.monitor_groups,
            seeds=tuple(args.seeds),
            epochs=args.epochs,
            eval_clips=args.eval_clips,
            threads=args.threads)
    except ValueError as error:
        parser.error(str(error))


def stage(timings: Dict[str, float], name: str, action: Callable[[], T]) -> T:
    """Announce a stage, run it and record its wall time."""
    print(f'\n=== [{len(timings) + 1}] {name} ===', flush=True)
    start = time.perf_counter()
    result = action()
    timings[name] = time.perf_counter() - start
    # a progress bar may have left the cursor at the end of its line
    print(f'\n=== {name}: done in {timings[name]:.0f} s ===', flush=True)
    return result


def main() -> None:
    settings = parse_args()
    torch.set_num_threads(settings.threads)
    start = time.perf_counter()
    timings: Dict[str, float] = {}
    dataset = stage(timings, 'synthetic dataset',
                    lambda: make_dataset(settings))
    runs = [
        stage(
            timings,
            f'PRP pretraining, seed {seed}',
            lambda seed=seed: pretrain(settings, seed))
        for seed in settings.seeds
    ]
    results: List[SeedResult] = []
    random_checkpoints = []
    for run in runs:
        reconstruction = stage(
            timings,
            f'reconstruction errors, seed {run.seed}',
            lambda run=run: measure_reconstruction(
                pretrain_config(settings, run.seed), run.checkpoint, run.seed))
        random_checkpoints.append(random_init_checkpoint(settings, run.seed))
        prp = stage(
            timings,
            f'evaluate PRP, seed {run.seed}',
            lambda run=run: evaluate(settings, run.checkpoint,
                                     settings.run_dir('eval_prp', run.seed)))
        random = stage(
            timings,
            f'evaluate random init, seed {run.seed}',
            lambda run=run: evaluate(settings, random_checkpoints[
                -1], settings.run_dir('eval_random', run.seed)))
        results.append(
            SeedResult(run.seed, prp, random, run.rate_acc, run.seconds,
                       reconstruction, run.monitor_top1))
    cfg = pretrain_config(settings, runs[0].seed)
    figures = stage(
        timings, 'figures',
        lambda: draw_figures(cfg, dataset, runs, random_checkpoints[0],
                             settings.work_dir / 'figures'))
    timings['total'] = time.perf_counter() - start
    report = write_report(settings.work_dir / 'report.md', settings, results,
                          figures, timings,
                          describe_setup(settings, cfg, dataset),
                          len(prp_sampler(cfg)['rates']))
    write_results_json(settings.work_dir / 'results.json', settings, results,
                       timings)
    print('\n' + report.read_text())
    print(f'Report: {report}\nTotal time: {timings["total"]:.0f} s')


if __name__ == '__main__':
    main()
