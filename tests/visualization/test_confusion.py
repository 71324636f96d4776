"""mmprp.visualization.confusion."""
import numpy as np
from mmengine.runner import Runner

from mmprp.visualization.confusion import (PANEL_SIZE,
                                           collect_rate_predictions,
                                           plot_rate_confusion,
                                           rate_confusion_matrix)


def test_confusion_counts_and_figure(tmp_path, png_size,
                                     figure_pixels) -> None:
    true = [0, 0, 1, 1, 1, 2, 3, 3]
    pred = [0, 1, 1, 1, 2, 2, 0, 3]
    expected = np.array([[1, 1, 0, 0], [0, 2, 1, 0], [0, 0, 1, 0],
                         [1, 0, 0, 1]])
    np.testing.assert_array_equal(
        rate_confusion_matrix(true, pred, 4), expected)
    out = tmp_path / 'confusion.png'
    counts = plot_rate_confusion(true, pred, (1, 2, 4, 8), out)
    np.testing.assert_array_equal(counts, expected)
    assert png_size(out) == figure_pixels(1, 1, PANEL_SIZE)


def test_collect_rate_predictions(demo_cfg, demo_model,
                                  synthetic_ucf101) -> None:
    loader_cfg = demo_cfg.val_dataloader.copy()
    loader_cfg.update(batch_size=2, num_workers=0, persistent_workers=False)
    loader_cfg.dataset.update(
        ann_file=str(synthetic_ucf101.ann_files[1][1]),
        data_prefix=dict(video=str(synthetic_ucf101.video_dir)),
        indices=3)
    loader = Runner.build_dataloader(loader_cfg)
    true, pred = collect_rate_predictions(demo_model, loader)
    labels = [loader.dataset[i]['data_samples'].rate_label for i in range(3)]
    np.testing.assert_array_equal(true, labels)
    assert pred.shape == (3, ) and ((0 <= pred) & (pred < 4)).all()
