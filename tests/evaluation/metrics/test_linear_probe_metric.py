"""Tests of LinearProbeMetric and linear_probe_accuracy."""
from typing import List, Sequence

import numpy as np
import pytest
import torch

from mmprp.evaluation.metrics import LinearProbeMetric, linear_probe_accuracy


def blobs(num_per_class: int, centres: np.ndarray, spread: float,
          seed: int) -> tuple:
    """Gaussian blobs around ``centres`` (one per class)."""
    rng = np.random.default_rng(seed)
    labels = np.repeat(np.arange(len(centres)), num_per_class)
    feats = centres[labels] + spread * rng.standard_normal(
        (len(labels), centres.shape[1]))
    return feats.astype(np.float32), labels


CENTRES = np.array([[4., 0., 0.], [0., 4., 0.], [0., 0., 4.]])


def test_separable_classes_are_all_right() -> None:
    train = blobs(20, CENTRES, 0.5, seed=0)
    test = blobs(10, CENTRES, 0.5, seed=1)
    assert linear_probe_accuracy(*train, *test) == 1.0


def test_random_labels_are_near_chance() -> None:
    rng = np.random.default_rng(0)
    train_feats = rng.standard_normal((300, 8))
    test_feats = rng.standard_normal((300, 8))
    accuracy = linear_probe_accuracy(train_feats, rng.integers(3, size=300),
                                     test_feats, rng.integers(3, size=300))
    assert 0.2 < accuracy < 0.47


def test_classes_that_differ_only_nonlinearly_are_not_separated() -> None:
    # class 1 lies on a ring around class 0: no hyperplane splits them
    rng = np.random.default_rng(0)
    angles = rng.uniform(0, 2 * np.pi, 400)
    ring = np.stack([np.cos(angles), np.sin(angles)], 1) * 3
    centre = rng.standard_normal((400, 2)) * 0.3
    feats = np.concatenate([centre, ring]).astype(np.float32)
    labels = np.repeat([0, 1], 400)
    order = rng.permutation(800)
    train, test = order[:400], order[400:]
    accuracy = linear_probe_accuracy(feats[train], labels[train], feats[test],
                                     labels[test])
    assert accuracy < 0.7


def test_invariant_to_feature_scale_and_constant_dimensions() -> None:
    train_feats, train_labels = blobs(15, CENTRES, 2.0, seed=2)
    test_feats, test_labels = blobs(15, CENTRES, 2.0, seed=3)
    reference = linear_probe_accuracy(train_feats, train_labels, test_feats,
                                      test_labels)
    scale = np.array([1000., 0.001, 7.], dtype=np.float32)
    pad = np.full((len(train_feats), 1), 5., dtype=np.float32)
    scaled = linear_probe_accuracy(
        np.hstack([train_feats * scale, pad]), train_labels,
        np.hstack([test_feats * scale, pad[:len(test_feats)]]), test_labels)
    assert scaled == pytest.approx(reference, abs=1 / len(test_labels))
    assert 0.5 < reference < 1.0


def test_rejects_mismatched_sets() -> None:
    with pytest.raises(ValueError, match='0 queries'):
        linear_probe_accuracy(
            np.ones((2, 3)), np.zeros(2), np.zeros((0, 3)), np.zeros(0))
    with pytest.raises(ValueError, match=r'\(2, 4\)'):
        linear_probe_accuracy(
            np.ones((2, 3)), np.zeros(2), np.ones((2, 4)), np.zeros(2))


def samples(feats: np.ndarray, labels: Sequence[int],
            is_query: bool) -> List[dict]:
    """Data samples as the evaluator passes them: dicts of tensors."""
    return [
        dict(
            feature=torch.from_numpy(feat),
            gt_label=torch.LongTensor([l]),
            is_query=is_query) for feat, l in zip(feats, labels)
    ]


def test_metric_fits_gallery_and_scores_queries() -> None:
    train_feats, train_labels = blobs(10, CENTRES, 0.5, seed=4)
    # queries of class 2 carry the features of class 0: a third is wrong
    test_feats, test_labels = blobs(4, CENTRES, 0.5, seed=5)
    test_labels = np.where(test_labels == 0, 2, test_labels)
    metric = LinearProbeMetric()
    metric.process({}, samples(test_feats[:5], test_labels[:5], True))
    metric.process({},
                   samples(train_feats, train_labels, False)
                   + samples(test_feats[5:], test_labels[5:], True))
    result = metric.evaluate(size=42)
    assert result == {
        'probe/top1': pytest.approx(8 / 12),
        'probe/num_train': 30,
        'probe/num_test': 12
    }


def test_metric_names_missing_field_and_bad_arguments() -> None:
    sample = samples(np.ones((1, 2), np.float32), [0], True)[0]
    del sample['is_query']
    with pytest.raises(KeyError, match="LinearProbeMetric.*'is_query'"):
        LinearProbeMetric().process({}, [sample])
    with pytest.raises(ValueError, match='weight_decay >= 0'):
        LinearProbeMetric(weight_decay=-1)
    with pytest.raises(ValueError, match='max_iter >= 1'):
        LinearProbeMetric(max_iter=0)
