"""Shared plumbing of metrics comparing test with train video features."""
from typing import Any, List, Sequence, Tuple

import numpy as np
import torch
from mmengine.evaluator import BaseMetric

REQUIRED_FIELDS = ('feature', 'gt_label', 'is_query')
FeatureSets = Tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


class VideoFeatureMetric(BaseMetric):
    """Collects one feature per video, split into queries and gallery.

    The base of :class:`VideoRetrievalMetric` and :class:`LinearProbeMetric`:
    the query videos (``is_query=True``, a split's test list) are evaluated
    against the gallery videos (``is_query=False``, its train list). Use it
    with :class:`RetrievalVideoDataset`, whose data samples carry
    ``is_query``, and a model whose ``predict`` writes a 1-D ``feature`` per
    video (:class:`VideoFeatureExtractor`). Subclasses implement
    ``compute_metrics`` with :meth:`feature_sets`.
    """

    def process(self, data_batch: Any, data_samples: Sequence[dict]) -> None:
        """Keep each video's feature, class and role.

        Args:
            data_batch (Any): Unused.
            data_samples (Sequence[dict]): Predicted data samples as dicts,
                with ``feature`` (D,), ``gt_label`` and ``is_query``.

        Raises:
            KeyError: If a data sample lacks one of those fields.
            ValueError: If a feature is not 1-D or a label not single.
        """
        for sample in data_samples:
            missing = [key for key in REQUIRED_FIELDS if key not in sample]
            if missing:
                raise KeyError(
                    f'{type(self).__name__}: a data sample lacks {missing}: '
                    'the model must write `feature` in predict and the '
                    'dataset (RetrievalVideoDataset) must pack `is_query` '
                    "with PackActionInputs(algorithm_keys=('is_query',))")
            self.results.append(
                dict(
                    feature=self._to_feature(sample['feature']),
                    label=self._to_label(sample['gt_label']),
                    is_query=bool(sample['is_query'])))

    def feature_sets(self, results: List[dict]) -> FeatureSets:
        """Stack the collected videos into queries and gallery.

        Args:
            results (list[dict]): Per-video values from :meth:`process`.

        Returns:
            tuple: float32 query features (M, D), int64 query classes (M,),
            float32 gallery features (N, D), int64 gallery classes (N,), in
            dataset order.

        Raises:
            ValueError: If either set is empty.
        """
        query_feats, query_labels = _stack(results, is_query=True)
        gallery_feats, gallery_labels = _stack(results, is_query=False)
        check_feature_sets(query_feats, query_labels, gallery_feats,
                           gallery_labels)
        return query_feats, query_labels, gallery_feats, gallery_labels

    def _to_feature(self, value: Any) -> np.ndarray:
        """A video's feature as a float32 vector.

        Args:
            value (Any): Tensor or array of shape (D,).

        Returns:
            np.ndarray: Shape (D,), float32.
        """
        if isinstance(value, torch.Tensor):
            value = value.detach().cpu().float().numpy()
        feature = np.asarray(value, dtype=np.float32)
        if feature.ndim != 1:
            raise ValueError(f'{type(self).__name__} expects a 1-D `feature` '
                             f'per video, got shape {feature.shape}')
        return feature

    def _to_label(self, value: Any) -> int:
        """A video's class as an int.

        Args:
            value (Any): int, or tensor / array holding one class.

        Returns:
            int: The class.
        """
        label = torch.as_tensor(value).reshape(-1)
        if label.numel() != 1:
            raise ValueError(f'{type(self).__name__} expects one class per '
                             f'video, got `gt_label` {label.tolist()}')
        return int(label[0])


def check_feature_sets(query_feats: np.ndarray, query_labels: np.ndarray,
                       gallery_feats: np.ndarray,
                       gallery_labels: np.ndarray) -> None:
    """Raise a ValueError unless both sets are non-empty and consistent.

    Args:
        query_feats (np.ndarray): Shape (M, D).
        query_labels (np.ndarray): Shape (M,).
        gallery_feats (np.ndarray): Shape (N, D).
        gallery_labels (np.ndarray): Shape (N,).
    """
    if len(query_feats) == 0 or len(gallery_feats) == 0:
        raise ValueError(
            'Comparing test with train videos needs at least one query and '
            f'one gallery video, got {len(query_feats)} queries and '
            f'{len(gallery_feats)} gallery videos')
    if (query_feats.ndim != 2 or gallery_feats.ndim != 2
            or query_feats.shape[1] != gallery_feats.shape[1]
            or query_labels.shape != query_feats.shape[:1]
            or gallery_labels.shape != gallery_feats.shape[:1]):
        raise ValueError(
            'Expected query features (M, D), query labels (M,), gallery '
            'features (N, D) and gallery labels (N,), got '
            f'{query_feats.shape}, {query_labels.shape}, '
            f'{gallery_feats.shape} and {gallery_labels.shape}')


def _stack(results: List[dict],
           is_query: bool) -> Tuple[np.ndarray, np.ndarray]:
    """Features and classes of the queries or of the gallery, in order.

    Args:
        results (list[dict]): Per-video values from
            :meth:`VideoFeatureMetric.process`.
        is_query (bool): Take the queries (True) or the gallery (False).

    Returns:
        tuple[np.ndarray, np.ndarray]: float32 features (K, D) (shape (0, 0)
        when there is none) and int64 classes (K,).
    """
    kept = [item for item in results if item['is_query'] == is_query]
    feats = (
        np.stack([item['feature'] for item in kept]) if kept else np.zeros(
            (0, 0), dtype=np.float32))
    labels = np.array([item['label'] for item in kept], dtype=np.int64)
    return feats, labels
