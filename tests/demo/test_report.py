"""Tests of the demo report: summaries, verdicts and the written files."""
import json
import math
from pathlib import Path

import pytest

from demo import (DemoSettings, SeedResult, compare, write_report,
                  write_results_json)
from demo.report import (monitor_table, reconstruction_table,
                         reconstruction_verdict, results_table, verdict)

KEYS = ('retrieval/top1', 'retrieval/top5', 'retrieval/top10',
        'retrieval/top20', 'retrieval/top50', 'probe/top1')


def metrics(top1: float, probe: float) -> dict:
    """Evaluator output with the given top-1 and probe accuracy."""
    values = dict.fromkeys(KEYS, 0.9)
    values.update({
        'retrieval/top1': top1,
        'probe/top1': probe,
        'retrieval/num_query': 40,
        'retrieval/num_gallery': 80
    })
    return values


def errors(decoder: float) -> dict:
    """Reconstruction errors with the given decoder m-MSE."""
    return dict(
        decoder=decoder,
        mean_frame=0.02,
        nearest_frame=0.01,
        mean_colour=0.03,
        code_size=1152,
        target_size=221184)


RESULTS = [
    SeedResult(0, metrics(0.30, 0.50), metrics(0.10, 0.20), 0.7, 100.,
               errors(0.005), {
                   0: 0.10,
                   2: 0.20
               }),
    SeedResult(1, metrics(0.40, 0.25), metrics(0.12, 0.30), 0.6, 110.,
               errors(0.008), {
                   0: 0.15,
                   2: 0.35
               }),
    SeedResult(2, metrics(0.35, 0.30), metrics(0.08, 0.25), None, 120.,
               errors(0.015), {
                   0: 0.05,
                   2: 0.20
               }),
]


def test_compare_means_spread_and_wins() -> None:
    retrieval = compare(RESULTS, 'retrieval/top1')
    assert retrieval.prp_mean == pytest.approx(0.35)
    assert retrieval.prp_std == pytest.approx(0.05)
    assert retrieval.random_mean == pytest.approx(0.10)
    assert retrieval.random_std == pytest.approx(0.02)
    assert retrieval.margin == pytest.approx(0.25)
    assert retrieval.spread == pytest.approx(0.05)
    assert (retrieval.wins, retrieval.seeds) == (3, 3)
    assert retrieval.shown
    probe = compare(RESULTS, 'probe/top1')
    assert probe.wins == 2
    assert probe.margin == pytest.approx(0.1)
    assert probe.spread == pytest.approx(0.13228756)
    assert not probe.shown


def test_one_seed_never_shows_an_effect() -> None:
    single = compare(RESULTS[:1], 'retrieval/top1')
    assert single.prp_std == 0.0
    assert not single.shown


def test_verdicts_state_what_the_numbers_say() -> None:
    shown = verdict(compare(RESULTS, 'retrieval/top1'), 'Retrieval top-1', 0.1)
    assert shown.startswith('**Retrieval top-1: PRP beats random')
    assert 'PRP 35.0 ± 5.0 vs random init 10.0 ± 2.0 (chance 10.0)' in shown
    assert 'ahead in 3 of 3 seeds' in shown
    assert '25.0 points, is larger than' in shown
    missed = verdict(compare(RESULTS, 'probe/top1'), 'Linear probe', 0.1)
    assert 'does not show PRP beating' in missed
    assert 'ahead in 2 of 3 seeds' in missed
    assert 'is not larger than' in missed and '13.2.' in missed


def test_results_table_rows_per_seed_and_mean() -> None:
    lines = results_table(RESULTS).splitlines()
    assert lines[0].startswith('| encoder | seed | top1 |')
    assert len(lines) == 2 + 2 * (len(RESULTS) + 1)
    assert lines[2] == ('| PRP | 0 | 30.0 | 90.0 | 90.0 | 90.0 | 90.0 | '
                        '50.0 |')
    assert lines[5].startswith('| **PRP** | **mean ± std** | 35.0 ± 5.0 |')
    assert lines[-1].endswith('| 25.0 ± 5.0 |')


def test_results_table_shows_unmeasured_top_k_as_not_available() -> None:
    # VideoRetrievalMetric: NaN for a k not below the gallery size
    results = [
        SeedResult(seed, dict(result.prp, **{'retrieval/top50': math.nan}),
                   result.random, result.rate_acc, result.pretrain_seconds,
                   result.reconstruction, result.monitor_top1)
        for seed, result in enumerate(RESULTS)
    ]
    lines = results_table(results).splitlines()
    assert lines[2] == ('| PRP | 0 | 30.0 | 90.0 | 90.0 | 90.0 | n/a | '
                        '50.0 |')
    assert lines[5].endswith('| 90.0 ± 0.0 | n/a | 35.0 ± 13.2 |')
    assert lines[6] == ('| random init | 0 | 10.0 | 90.0 | 90.0 | 90.0 | '
                        '90.0 | 20.0 |')


def test_reconstruction_table_per_seed() -> None:
    lines = reconstruction_table(RESULTS).splitlines()
    assert lines[0] == ('| seed | PRP decoder | mean frame | nearest input '
                        'frame | mean colour |')
    assert lines[2] == '| 0 | 0.0050 | 0.0200 | 0.0100 | 0.0300 |'
    assert lines[4] == '| 2 | 0.0150 | 0.0200 | 0.0100 | 0.0300 |'


def test_reconstruction_verdict_from_the_numbers() -> None:
    beaten = reconstruction_verdict(RESULTS)
    assert beaten.startswith('**Reconstruction: the decoder renders the '
                             'motion**')
    assert ("below the mean frame's in 3 of 3 seeds, below the nearest input "
            "frame's in 2 and below the mean colour's in 3 (means: PRP "
            'decoder 0.0093, mean frame 0.0200, nearest input frame 0.0100, '
            'mean colour 0.0300)') in beaten
    worse = SeedResult(3, metrics(0.3, 0.3), metrics(0.1, 0.1), None, 1.,
                       errors(0.025), {})
    missed = reconstruction_verdict(RESULTS + [worse])
    assert missed.startswith('**Reconstruction: the decoder does not beat '
                             'the mean frame**')
    assert ("below the mean frame's in 3 of 4 seeds, below the nearest input "
            "frame's in 2 and below the mean colour's in 4") in missed
    assert 'the encoder map, 1152 numbers per clip for a target of 221184' \
        in missed


def test_monitor_table_by_epoch_per_seed_and_mean() -> None:
    assert monitor_table(RESULTS).splitlines() == [
        '| epoch | seed 0 | seed 1 | seed 2 | mean ± std |',
        '|---|---|---|---|---|',
        '| 0 (random init) | 10.0 | 15.0 | 5.0 | 10.0 ± 5.0 |',
        '| 2 | 20.0 | 35.0 | 20.0 | 25.0 ± 8.7 |',
    ]


def test_write_report_and_results_json(tmp_path: Path) -> None:
    settings = DemoSettings(work_dir=tmp_path, num_classes=10)
    figure = tmp_path / 'figures' / 'curves.png'
    report = write_report(
        tmp_path / 'report.md',
        settings,
        RESULTS, {'Training curves': figure}, {
            'pretraining': 330.4,
            'total': 612.0
        }, ['data: something'],
        num_rates=4)
    text = report.read_text()
    assert '- data: something' in text
    assert '40 test videos query the 80 pretraining videos' in text
    assert monitor_table(RESULTS) in text
    assert '![Training curves](figures/curves.png)' in text
    assert 'seed 0: 70.0, seed 1: 60.0 (chance 25.0)' in text
    assert '| total | 612 |' in text
    assert '## The generative branch: reconstruction' in text
    assert 'Masked m-MSE on the 40 test videos' in text
    assert reconstruction_table(RESULTS) in text
    assert reconstruction_verdict(RESULTS) in text
    assert '| PRP | 23.2 | 38.1 | 46.0 | 55.7 | 68.4 | 69.1 |' in text
    saved = json.loads(
        write_results_json(tmp_path / 'results.json', settings, RESULTS, {
            'total': 612.0
        }).read_text())
    assert saved['settings']['work_dir'] == str(tmp_path)
    assert saved['seeds'][1]['prp']['retrieval/top1'] == 0.40
    assert saved['seeds'][2]['rate_acc'] is None
    assert saved['seeds'][2]['reconstruction'] == errors(0.015)
    assert saved['timings'] == {'total': 612.0}
    assert saved['seeds'][1]['monitor_top1'] == {'0': 0.15, '2': 0.35}
