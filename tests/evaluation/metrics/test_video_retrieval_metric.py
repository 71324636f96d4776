"""Tests of VideoRetrievalMetric and retrieval_topk_accuracy."""
import math
from pathlib import Path
from typing import Dict, List, Sequence

import numpy as np
import pytest
import torch

from mmprp.evaluation.metrics import (VideoRetrievalMetric,
                                      retrieval_topk_accuracy)

# Gallery: 4 unit vectors on the axes of the plane, classes 0, 1, 2, 3.
GALLERY_FEATS = np.array([[1., 0.], [0., 1.], [-1., 0.], [0., -1.]])
GALLERY_LABELS = np.array([0, 1, 2, 3])


def accuracy(query_feats: Sequence[Sequence[float]],
             query_labels: Sequence[int],
             topk: Sequence[int],
             gallery_feats: np.ndarray = GALLERY_FEATS,
             gallery_labels: np.ndarray = GALLERY_LABELS,
             **kwargs) -> Dict[int, float]:
    """``retrieval_topk_accuracy`` on lists, the gallery defaulting to 4."""
    return retrieval_topk_accuracy(
        np.asarray(query_feats, dtype=np.float32), np.asarray(query_labels),
        gallery_feats, gallery_labels, topk, **kwargs)


def test_ranks_by_similarity() -> None:
    # Query near (1, 0.2): gallery order 0 (cos .98), 1 (.20), 3 (-.20),
    # 2 (-.98); its class 1 is second, class 3 third, class 2 last.
    query = [[1., 0.2]]
    assert accuracy(query, [0], (1, 2, 4)) == {1: 1., 2: 1., 4: 1.}
    assert accuracy(query, [1], (1, 2, 4)) == {1: 0., 2: 1., 4: 1.}
    assert accuracy(query, [3], (1, 2, 3)) == {1: 0., 2: 0., 3: 1.}
    assert accuracy(query, [2], (1, 3, 4)) == {1: 0., 3: 0., 4: 1.}


def test_averages_over_queries_in_chunks() -> None:
    # Hits at k = 1: queries 0 and 1; at k = 2: also query 2.
    queries = [[1., 0.2], [0.1, 1.], [1., 0.2], [0., -1.]]
    labels = [0, 1, 1, 2]
    expected = {1: 0.5, 2: 0.75, 4: 1.}
    assert accuracy(queries, labels, (1, 2, 4)) == expected
    assert accuracy(queries, labels, (1, 2, 4), chunk_size=3) == expected
    assert accuracy(queries, labels, (1, 2, 4), chunk_size=1) == expected


def test_ties_keep_gallery_order() -> None:
    # Gallery videos 0 (class 5) and 1 (class 6) are the same vector: equal
    # similarity, so video 0 ranks first for every query.
    gallery = np.array([[1., 1.], [1., 1.], [1., 0.]])
    labels = np.array([5, 6, 7])
    assert accuracy([[1., 1.]], [5], (1, 2), gallery, labels) == {1: 1., 2: 1.}
    assert accuracy([[1., 1.]], [6], (1, 2), gallery, labels) == {1: 0., 2: 1.}
    # Swapping the two tied videos swaps the outcome.
    assert accuracy([[1., 1.]], [6], (1, 2), gallery, labels[[1, 0, 2]]) == {
        1: 1.,
        2: 1.
    }


def test_k_beyond_gallery_is_whole_gallery() -> None:
    assert accuracy([[1., 0.2]], [2], (4, 5, 100)) == {4: 1., 5: 1., 100: 1.}


def test_class_absent_from_gallery_never_hits() -> None:
    result = accuracy([[1., 0.], [1., 0.]], [0, 9], (1, 4, 50))
    assert result == {1: 0.5, 4: 0.5, 50: 0.5}


def test_cosine_not_dot_product() -> None:
    # By dot product, the long vector 2 * (0, 1) would beat (1, 0) for the
    # query (1, 0.6); by cosine, (1, 0) ranks first.
    gallery = np.array([[1., 0.], [0., 2.]])
    labels = np.array([0, 1])
    assert accuracy([[1., 0.6]], [0], (1, ), gallery, labels) == {1: 1.}
    # Scaling any feature changes nothing.
    assert accuracy([[10., 6.]], [0], (1, ), gallery * [[3.], [0.5]],
                    labels) == {
                        1: 1.
                    }


def test_matches_stable_sort_reference() -> None:
    # Features from {0, 1}^3 give many exactly tied similarities.
    rng = np.random.default_rng(0)
    gallery = rng.integers(0, 2, (40, 3)).astype(np.float32)
    queries = rng.integers(0, 2, (30, 3)).astype(np.float32)
    gallery_labels = rng.integers(0, 5, 40)
    query_labels = rng.integers(0, 6, 30)
    topk = (1, 3, 10, 60)
    normalise = (
        lambda x: x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1))
    order = np.argsort(
        -normalise(queries) @ normalise(gallery).T, axis=1, kind='stable')
    hits = gallery_labels[order] == query_labels[:, None]
    expected = {k: float(np.mean(hits[:, :k].any(axis=1))) for k in topk}
    assert accuracy(
        queries, query_labels, topk, gallery, gallery_labels,
        chunk_size=7) == expected


@pytest.mark.parametrize('topk,chunk_size', [((0, 1), 8), ((), 8), ((1, ), 0)])
def test_rejects_bad_arguments(topk: Sequence[int], chunk_size: int) -> None:
    with pytest.raises(ValueError, match='must hold integers >= 1'):
        accuracy([[1., 0.]], [0], topk, chunk_size=chunk_size)


def test_rejects_empty_or_mismatched_sets() -> None:
    with pytest.raises(ValueError, match='0 queries and 4 gallery'):
        accuracy(np.zeros((0, 2)), [], (1, ))
    with pytest.raises(ValueError, match='1 queries and 0 gallery'):
        accuracy([[1., 0.]], [0], (1, ), np.zeros((0, 2)), np.zeros(0))
    with pytest.raises(ValueError, match=r'\(1, 3\)'):
        accuracy([[1., 0., 0.]], [0], (1, ))


def samples(feats: Sequence[Sequence[float]], labels: Sequence[int],
            is_query: bool) -> List[dict]:
    """Data samples as the evaluator passes them: dicts of tensors."""
    return [
        dict(
            feature=torch.tensor(feat),
            gt_label=torch.LongTensor([label]),
            is_query=is_query) for feat, label in zip(feats, labels)
    ]


def run_metric(metric: VideoRetrievalMetric) -> Dict[str, float]:
    """Feed the 4 gallery videos and 4 queries in two batches, evaluate."""
    gallery = samples(
        GALLERY_FEATS.tolist(), GALLERY_LABELS.tolist(), is_query=False)
    queries = samples([[1., 0.2], [0.1, 1.], [1., 0.2], [0., -1.]],
                      [0, 1, 1, 2],
                      is_query=True)
    metric.process({}, gallery[:3])
    metric.process({}, gallery[3:] + queries)
    return metric.evaluate(size=8)


def test_metric_end_to_end() -> None:
    result = run_metric(VideoRetrievalMetric(topk=(1, 2, 3)))
    assert result == {
        'retrieval/top1': 0.5,
        'retrieval/top2': 0.75,
        'retrieval/top3': 1.,
        'retrieval/num_query': 4,
        'retrieval/num_gallery': 4,
    }


def test_metric_marks_k_not_below_the_gallery_size(monkeypatch) -> None:
    # 4 gallery videos: top-4 and top-50 hold the whole gallery (1.0 here
    # whatever the features), so they are NaN and named in a warning
    logged = []
    monkeypatch.setattr(
        'mmprp.evaluation.metrics.video_retrieval_metric.print_log',
        lambda message, **kwargs: logged.append(message))
    result = run_metric(VideoRetrievalMetric(topk=(1, 3, 4, 50)))
    assert result['retrieval/top1'] == 0.5
    assert result['retrieval/top3'] == 1.
    assert math.isnan(result['retrieval/top4'])
    assert math.isnan(result['retrieval/top50'])
    assert logged == [
        'retrieval: top-k for k >= the gallery size measures nothing (the 4 '
        'gallery videos are all within the top k); reported as NaN: top4, '
        'top50'
    ]


def test_metric_saves_features(tmp_path: Path) -> None:
    path = tmp_path / 'features' / 'split1.npz'
    result = run_metric(
        VideoRetrievalMetric(topk=(1, ), save_features=str(path)))
    assert result['retrieval/top1'] == 0.5
    with np.load(path) as saved:
        np.testing.assert_array_equal(saved['gallery_feats'], GALLERY_FEATS)
        np.testing.assert_array_equal(saved['gallery_labels'], GALLERY_LABELS)
        assert saved['query_feats'].shape == (4, 2)
        assert saved['query_feats'].dtype == np.float32
        np.testing.assert_array_equal(saved['query_labels'], [0, 1, 1, 2])
        reloaded = retrieval_topk_accuracy(saved['query_feats'],
                                           saved['query_labels'],
                                           saved['gallery_feats'],
                                           saved['gallery_labels'], (1, 2, 4))
    assert reloaded == {1: 0.5, 2: 0.75, 4: 1.}


@pytest.mark.parametrize('field', ['feature', 'is_query', 'gt_label'])
def test_metric_names_missing_field(field: str) -> None:
    sample = samples([[1., 0.]], [0], is_query=True)[0]
    del sample[field]
    with pytest.raises(KeyError, match=f"'{field}'"):
        VideoRetrievalMetric().process({}, [sample])


def test_metric_rejects_bad_samples() -> None:
    metric = VideoRetrievalMetric()
    with pytest.raises(ValueError, match='1-D'):
        metric.process({}, [
            dict(
                feature=torch.ones(10, 4),
                gt_label=torch.LongTensor([0]),
                is_query=True)
        ])
    with pytest.raises(ValueError, match='one class'):
        metric.process({}, [
            dict(
                feature=torch.ones(4),
                gt_label=torch.LongTensor([0, 1]),
                is_query=True)
        ])
    with pytest.raises(ValueError, match='must hold integers >= 1'):
        VideoRetrievalMetric(topk=(0, ))


def test_metric_needs_gallery_and_queries() -> None:
    metric = VideoRetrievalMetric()
    metric.process({}, samples([[1., 0.]], [0], is_query=True))
    with pytest.raises(ValueError, match='1 queries and 0 gallery'):
        metric.evaluate(size=1)
