"""mmprp.evaluation.paper_tables: the paper's Tables 1-5 with results."""
import math

import pytest

from mmprp.evaluation import paper_tables

TOPK = {f'retrieval/top{k}': k / 100 for k in (1, 5, 10, 20, 50)}
RESULTS = {
    **{
        ('test', 'random', 'c3d', 'ucf101', split): {
            'acc/top1': top1
        }
        for split, top1 in zip((1, 2, 3), (0.5, 0.6, 0.7))
    },
    ('test', 'prp', 'c3d', 'ucf101', 1): {
        'acc/top1': 0.8
    },
    ('retrieval', 'random', 'r3d', 'hmdb51'):
    TOPK,
    ('retrieval', 'prp', 'c3d', 'ucf101'):
    dict(TOPK, **{'retrieval/top50': math.nan}),
    ('rate_accuracy', 'dp_s124'): {
        'pretext/rate_acc': 0.75
    },
}


def test_every_table_with_the_papers_numbers_beside_ours() -> None:
    results = dict(
        source='a test', tables=paper_tables.build_tables(RESULTS.get))
    assert results['tables']['3']['rows'][0]['cells'][0] == dict(
        paper=61.8,
        ours=pytest.approx(60.),
        runs={
            'split 1': 50.,
            'split 2': 60.,
            'split 3': 70.
        })
    markdown = paper_tables.results_markdown(results)
    assert 'PRP encoders: a test.' in markdown
    for line in (
            '## Table 1. Classification accuracy of the discriminative '
            'perception (DP) model under different sampling intervals',
            '| Samp. interval | Random acc. (%) | DP acc. (%) paper / ours |',
            '| {1,2} | 50 | 88.3 / not run |',
            '| {1,2,4} | 33 | 80.1 / 75.0 (n=1) |',
            '| Method | Samp. interval | Rec. rate | UCF101 (%) paper / ours '
            '| UCF101 retrieval top-1 (%) paper / ours |',
            '| Random | - | - | 62.0 / 50.0 (n=1) | - / not run |',
            '| DP | {1,2,4,8,16} | - | 67.9 / not run | - / not run |',
            '| GP | {1,2,4,8} | 1 (w/o MA) | 67.1 / not run | - / not run |',
            '| DG-P | {1,2,4,8} | 2 (w/ MA) | 70.9 / 80.0 (n=1) | - / 1.0 '
            '(n=1) |',
            '| Method | UCF101 (%) paper / ours | HMDB51 (%) paper / ours |',
            '| C3D (random) | 61.8 / 60.0 (n=3) | 24.7 / not run |',
            '| C3D (PRP) | 69.1 / 80.0 (n=1) | 34.5 / not run |',
            '| R(2+1)D (PRP) | 72.1 / not run | 35.0 / not run |',
            '| C3D (random) | UCF101 | 50.0 | 60.0 | 70.0 |',
            '## Table 4. Video retrieval performance on UCF101',
            '| Method | top1 paper / ours | top5 paper / ours | top10 paper / '
            'ours | top20 paper / ours | top50 paper / ours |',
            '| R3D (random) | 9.9 / not run | 18.9 / not run | 26.0 / not run '
            '| 35.5 / not run | 51.9 / not run |',
            '| C3D (PRP) | 23.2 / 1.0 (n=1) | 38.1 / 5.0 (n=1) | 46.0 / 10.0 '
            '(n=1) | 55.7 / 20.0 (n=1) | 68.4 / nan (n=1) |',
            '## Table 5. Video retrieval performance on HMDB51',
            '| R3D (random) | 6.7 / 1.0 (n=1) | 18.3 / 5.0 (n=1) | 28.3 / '
            '10.0 (n=1) | 43.1 / 20.0 (n=1) | 67.9 / 50.0 (n=1) |',
    ):
        assert line in markdown.splitlines(), line
