"""mmprp.visualization.retrieval_monitor and the monitor's records."""
import numpy as np
import pytest
from test_training_curves import RECORDS, write_run

from mmprp.visualization import plot_retrieval_monitor, read_training_curves
from mmprp.visualization.retrieval_monitor import PANEL_SIZE
from mmprp.visualization.training_curves import MONITOR_TOP1


def monitored_run(work_dir, top1) -> None:
    """RECORDS with RetrievalMonitorHook's records at epochs 0, 1, 2, each
    written before that epoch's validation record, as the hook does."""
    monitor = [{
        MONITOR_TOP1: value,
        'step': step
    } for step, value in enumerate(top1)]
    write_run(work_dir, '20250101_000000',
              [monitor[0]] + RECORDS[:2] + [monitor[1], RECORDS[2]]
              + RECORDS[3:5] + [monitor[2], RECORDS[5]])


def test_monitor_and_validation_records_of_an_epoch_are_merged(
        tmp_path) -> None:
    monitored_run(tmp_path / 'prp', [0.2, 0.3, 0.4])
    curves = read_training_curves(tmp_path / 'prp')
    epochs, top1 = curves.val[MONITOR_TOP1]
    np.testing.assert_array_equal(epochs, [0, 1, 2])
    np.testing.assert_allclose(top1, [0.2, 0.3, 0.4])
    np.testing.assert_allclose(curves.val['pretext/rate_acc'][1], [0.3, 0.6])


def test_plot_runs_and_refuse_a_run_without_epoch_0(tmp_path, png_size,
                                                    figure_pixels) -> None:
    monitored_run(tmp_path / 'a', [0.2, 0.3, 0.4])
    monitored_run(tmp_path / 'b', [0.1, 0.3, 0.5])
    runs = {name: read_training_curves(tmp_path / name) for name in ('a', 'b')}
    out = plot_retrieval_monitor(runs, tmp_path / 'monitor.png', 0.25)
    assert png_size(out) == figure_pixels(1, 1, PANEL_SIZE)
    write_run(tmp_path / 'c', '20250101_000000', RECORDS)
    runs['c'] = read_training_curves(tmp_path / 'c')
    with pytest.raises(ValueError, match="run 'c' has no .* at epoch 0"):
        plot_retrieval_monitor(runs, tmp_path / 'monitor.png')
