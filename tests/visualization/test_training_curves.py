"""mmprp.visualization.training_curves and its CLI."""
import json

import numpy as np
import pytest

from mmprp.visualization.training_curves import (PANEL_SIZE,
                                                 find_scalars_files,
                                                 plot_work_dirs,
                                                 read_training_curves)
from helpers import load_tool

# Two epochs of 4 iterations logged every 2, validation after each epoch,
# as mmengine's LocalVisBackend writes them.
RECORDS = [
    dict(
        lr=0.1,
        loss=1.0,
        loss_rate=0.14,
        loss_recon=0.9,
        epoch=1,
        iter=2,
        step=2),
    dict(
        lr=0.1,
        loss=0.8,
        loss_rate=0.12,
        loss_recon=0.7,
        epoch=1,
        iter=4,
        step=4),
    {
        'pretext/loss': 0.7,
        'pretext/rate_acc': 0.3,
        'step': 1
    },
    dict(
        lr=0.1,
        loss=0.6,
        loss_rate=0.10,
        loss_recon=0.5,
        epoch=2,
        iter=6,
        step=6),
    dict(
        lr=0.1,
        loss=0.4,
        loss_rate=0.08,
        loss_recon=0.3,
        epoch=2,
        iter=8,
        step=8),
    {
        'pretext/loss': 0.5,
        'pretext/rate_acc': 0.6,
        'step': 2
    },
]


def write_run(work_dir, timestamp, records) -> None:
    vis_data = work_dir / timestamp / 'vis_data'
    vis_data.mkdir(parents=True)
    (vis_data / 'scalars.json').write_text(''.join(
        json.dumps(record) + '\n' for record in records))


@pytest.fixture
def work_dir(tmp_path):
    """A run killed in epoch 2, resumed from its epoch-1 checkpoint.

    The first folder has epoch 1, its validation and one record of epoch 2
    with other values; the resumed run logs epoch 2 again.
    """
    work_dir = tmp_path / 'prp'
    killed = dict(RECORDS[3], loss_rate=9., loss_recon=9.)
    write_run(work_dir, '20250101_000000', RECORDS[:3] + [killed])
    write_run(work_dir, '20250102_000000', RECORDS[3:])
    return work_dir


def test_follows_a_resumed_run_across_its_folders(work_dir) -> None:
    assert [path.parent.parent.name for path in find_scalars_files(work_dir)
            ] == ['20250101_000000', '20250102_000000']
    curves = read_training_curves(work_dir)
    iters, values = curves.train['loss_rate']
    np.testing.assert_array_equal(iters, [2, 4, 6, 8])
    np.testing.assert_allclose(values, [0.14, 0.12, 0.10, 0.08])
    ends, means = curves.train_epoch_mean['loss_recon']
    np.testing.assert_array_equal(ends, [4, 8])
    np.testing.assert_allclose(means, [0.8, 0.4])
    epochs, acc = curves.val['pretext/rate_acc']
    np.testing.assert_array_equal(epochs, [1, 2])
    np.testing.assert_allclose(acc, [0.3, 0.6])
    np.testing.assert_allclose(curves.val['pretext/loss'][1], [0.7, 0.5])


def test_missing_keys_and_files(tmp_path) -> None:
    rate_only = [{
        k: v
        for k, v in r.items() if 'recon' not in k
    } for r in RECORDS]
    write_run(tmp_path / 'dp', '20250101_000000', rate_only)
    curves = read_training_curves(tmp_path / 'dp')
    assert set(curves.train) == {'loss_rate'}
    with pytest.raises(FileNotFoundError, match='scalars.json'):
        find_scalars_files(tmp_path / 'nothing')


def test_plot_two_runs(tmp_path, work_dir, png_size, figure_pixels) -> None:
    write_run(tmp_path / 'dp', '20250101_000000', [{
        k: v
        for k, v in r.items() if 'recon' not in k
    } for r in RECORDS])
    out = tmp_path / 'curves.png'
    runs = plot_work_dirs([work_dir, tmp_path / 'dp'], out)
    assert list(runs) == ['prp', 'dp']
    assert png_size(out) == figure_pixels(2, 2, PANEL_SIZE)
    with pytest.raises(ValueError, match='one distinct label'):
        plot_work_dirs([work_dir, work_dir], out)


def test_cli(tmp_path, work_dir, capsys, png_size, figure_pixels) -> None:
    out = tmp_path / 'cli.png'
    load_tool('analysis_tools/plot_training_curves').main([
        str(work_dir), '--out',
        str(out), '--labels', 'PRP', '--chance', '0.5'
    ])
    assert '20250102_000000' in capsys.readouterr().out
    assert png_size(out) == figure_pixels(2, 2, PANEL_SIZE)
