"""``demo/__main__.py`` (what ``make demo`` runs) on a tiny budget.

The same pipeline as ``make demo`` (dataset, pretraining per seed with the
retrieval monitor, evaluation of PRP and random init per seed, figures,
report), with 4 classes of 3 groups (1 test, 2 pretraining) and 2 more
held out for the monitor, one epoch, two seeds, one clip per video and one
thread.
"""
import json
import math
import re
from pathlib import Path

import matplotlib.image as mpimg
import pytest

from helpers import REPO, run_command

pytestmark = pytest.mark.slow

FIGURES = ('training_curves.png', 'retrieval_monitor.png',
           'rate_confusion.png', 'motion_attention.png', 'activations.png')
METRICS = ('retrieval/top1', 'retrieval/top5', 'retrieval/top10',
           'retrieval/top20', 'retrieval/top50', 'probe/top1')
UNMEASURED = ('retrieval/top10', 'retrieval/top20', 'retrieval/top50')


@pytest.fixture(scope='module')
def demo_run(tmp_path_factory, python) -> tuple:
    """Run the demo once; return its work dir and stdout."""
    tmp_path = tmp_path_factory.mktemp('demo')
    work_dir = tmp_path / 'demo'
    result = run_command([
        python, '-m', 'demo', '--work-dir', work_dir, '--classes', '4',
        '--groups', '3', '--clips', '1', '--seeds', '3', '4', '--epochs', '1',
        '--eval-clips', '1', '--threads', '1', '--monitor-groups', '2'
    ],
                         cwd=REPO)
    return work_dir, result.stdout


def logged_test_metrics(run_dir: Path) -> dict:
    """The metrics an evaluation run's mmengine logger wrote."""
    (log, ) = run_dir.glob('*/*.json')
    return json.loads(log.read_text().splitlines()[-1])


def test_every_stage_reports_and_total_time(demo_run) -> None:
    _, out = demo_run
    for stage in ('synthetic dataset', 'PRP pretraining, seed 3',
                  'PRP pretraining, seed 4', 'reconstruction errors, seed 3',
                  'evaluate PRP, seed 4', 'evaluate random init, seed 3',
                  'figures'):
        assert re.search(rf'=== {stage}: done in \d+ s ===', out), stage
    assert re.search(r'Total time: \d+ s', out)
    assert 'Epoch(train)' in out and 'Epoch(test)' in out


def test_figures_are_images(demo_run) -> None:
    work_dir, _ = demo_run
    for name in FIGURES:
        image = mpimg.imread(work_dir / 'figures' / name)
        assert image.ndim == 3 and min(image.shape[:2]) > 200, name
        assert image.std() > 0.01, f'{name} is blank'


def test_numbers_come_from_the_runs(demo_run) -> None:
    work_dir, _ = demo_run
    results = json.loads((work_dir / 'results.json').read_text())
    assert [seed['seed'] for seed in results['seeds']] == [3, 4]
    for seed in results['seeds']:
        for encoder in ('prp', 'random'):
            logged = logged_test_metrics(work_dir / f'eval_{encoder}'
                                         / f"seed{seed['seed']}")
            for key in METRICS:
                assert seed[encoder][key] == pytest.approx(
                    logged[key], nan_ok=True)
                # 8 gallery videos: top-10 and beyond hold them all: NaN
                assert (math.isnan(seed[encoder][key])
                        if key in UNMEASURED else 0 <= seed[encoder][key] <= 1)
        assert 0 <= seed['rate_acc'] <= 1
        # the monitor before training and after the one epoch, as logged
        (scalars, ) = (work_dir / 'pretrain'
                       / f"seed{seed['seed']}").glob('*/vis_data/scalars.json')
        logged = [
            json.loads(line) for line in scalars.read_text().splitlines()
            if 'monitor/retrieval/top1' in line
        ]
        assert seed['monitor_top1'] == {
            str(entry['step']): entry['monitor/retrieval/top1']
            for entry in logged
        }
        assert list(seed['monitor_top1']) == ['0', '1']
        errors = seed['reconstruction']
        assert errors['decoder'] > 0 and errors['mean_frame'] > 0
        # exact on the target frames that are input frames
        assert 0 <= errors['nearest_frame'] < errors['mean_frame']
        assert errors['code_size'] == 64 * 2 * 3 * 3
        assert (work_dir / 'pretrain' / f"seed{seed['seed']}"
                / 'epoch_1.pth').is_file()
    assert results['timings']['total'] > 0


def test_report_tables_and_figure_links(demo_run) -> None:
    work_dir, out = demo_run
    results = json.loads((work_dir / 'results.json').read_text())
    report = (work_dir / 'report.md').read_text()
    assert report in out
    for seed in results['seeds']:
        for name, encoder in (('PRP', 'prp'), ('random init', 'random')):
            cells = ' | '.join(
                'n/a' if key in
                UNMEASURED else f'{100 * seed[encoder][key]:.1f}'
                for key in METRICS)
            assert f"| {name} | {seed['seed']} | {cells} |" in report
    assert '4 test videos query the 8 pretraining videos' in report
    assert ('the other 8 (2 more groups per class) are held out for the '
            'retrieval monitor (4 queries against 4 gallery videos)') in report
    for seed in results['seeds']:
        assert f"| seed {seed['seed']} |" in report
    for epoch, label in (('0', '0 (random init)'), ('1', '1')):
        cells = ' | '.join(f"{100 * seed['monitor_top1'][epoch]:.1f}"
                           for seed in results['seeds'])
        assert f'| {label} | {cells} |' in report
    assert 'is evaluated; torch threads: 1' in report  # --threads 1
    assert results['settings']['threads'] == 1
    for seed in results['seeds']:
        errors = seed['reconstruction']
        cells = ' | '.join(f'{errors[name]:.4f}'
                           for name in ('decoder', 'mean_frame',
                                        'nearest_frame', 'mean_colour'))
        assert f"| {seed['seed']} | {cells} |" in report
    assert re.search(r'\*\*Reconstruction: the decoder (beats|does not)',
                     report)
    assert re.search(r'\*\*Retrieval top-1: (PRP beats|this run does not)',
                     report)
    assert re.search(
        r'\*\*Linear probe top-1: (PRP beats|this run does '
        'not)', report)
    for name in FIGURES:
        assert f'(figures/{name})' in report
    assert f"| total | {results['timings']['total']:.0f} |" in report
