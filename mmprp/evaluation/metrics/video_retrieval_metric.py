"""Nearest-neighbour video retrieval: top-k accuracy (VCOP protocol)."""
import os.path as osp
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch
from mmengine.evaluator import BaseMetric
from mmengine.utils import mkdir_or_exist
from mmaction.registry import METRICS

REQUIRED_FIELDS = ('feature', 'gt_label', 'is_query')


def retrieval_topk_accuracy(query_feats: np.ndarray,
                            query_labels: np.ndarray,
                            gallery_feats: np.ndarray,
                            gallery_labels: np.ndarray,
                            topk: Sequence[int] = (1, 5, 10, 20, 50),
                            chunk_size: int = 512) -> Dict[int, float]:
    """Top-k accuracy of retrieving same-class gallery videos by cosine.

    Every query ranks the gallery by cosine similarity, descending; gallery
    videos with exactly equal similarity keep their gallery order (the
    earlier one ranks first), so the result is deterministic. A query is a
    hit at ``k`` when one of its first ``k`` gallery videos has its class; a
    ``k`` larger than the gallery means the whole gallery, and a query whose
    class is absent from the gallery never hits.

    No ranking is sorted: for each query, the rank of its first same-class
    gallery video ``j`` (best similarity ``s``, lowest index among ties) is
    the number of gallery videos ahead of it, those with a similarity above
    ``s`` plus those with similarity ``s`` and an index below ``j``. Queries
    go in chunks of ``chunk_size``, so the work memory is about
    10 bytes per query-gallery pair of a chunk beside the features
    (50 MB for 512 queries and the 9537 videos of UCF101's split-1 train
    list).

    Args:
        query_feats (np.ndarray): Query features, shape (M, D).
        query_labels (np.ndarray): Query classes, shape (M,).
        gallery_feats (np.ndarray): Gallery features, shape (N, D).
        gallery_labels (np.ndarray): Gallery classes, shape (N,).
        topk (Sequence[int]): The values of ``k``, each >= 1. Defaults to
            ``(1, 5, 10, 20, 50)``.
        chunk_size (int): How many queries are ranked at once. Defaults to
            512.

    Returns:
        dict[int, float]: The fraction of hit queries, in [0, 1], per ``k``.

    Raises:
        ValueError: If there is no query or no gallery video, if the shapes
            disagree, or if a ``k`` or ``chunk_size`` is below 1.
    """
    query_feats, query_labels, gallery_feats, gallery_labels = (
        np.asarray(array) for array in (query_feats, query_labels,
                                        gallery_feats, gallery_labels))
    _check_inputs(query_feats, query_labels, gallery_feats, gallery_labels)
    _check_positive(topk=tuple(topk), chunk_size=(chunk_size, ))
    query_feats = _l2_normalise(query_feats)
    gallery_feats = _l2_normalise(gallery_feats)
    ranks = np.concatenate([
        _first_hit_ranks(query_feats[start:start + chunk_size],
                         query_labels[start:start + chunk_size],
                         gallery_feats, gallery_labels)
        for start in range(0, len(query_feats), chunk_size)
    ])
    num_gallery = len(gallery_feats)
    return {k: float(np.mean(ranks < min(k, num_gallery))) for k in topk}


def _check_inputs(query_feats: np.ndarray, query_labels: np.ndarray,
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
            'Video retrieval needs at least one query and one gallery '
            f'video, got {len(query_feats)} queries and '
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


def _check_positive(**values: Tuple[int, ...]) -> None:
    """Raise a ValueError naming the argument that holds a value below 1.

    Args:
        **values (tuple[int, ...]): The values of each argument.
    """
    for name, numbers in values.items():
        if not numbers or any(number < 1 for number in numbers):
            raise ValueError(f'{name} must hold integers >= 1, got {numbers}')


def _l2_normalise(feats: np.ndarray, eps: float = 1e-12) -> np.ndarray:
    """Scale every row to unit L2 norm (an all-zero row stays zero).

    Args:
        feats (np.ndarray): Features, shape (N, D).
        eps (float): Smallest norm divided by. Defaults to 1e-12.

    Returns:
        np.ndarray: float32 unit rows, shape (N, D).
    """
    feats = np.asarray(feats, dtype=np.float32)
    norms = np.linalg.norm(feats, axis=1, keepdims=True)
    return feats / np.maximum(norms, eps)


def _first_hit_ranks(query_feats: np.ndarray, query_labels: np.ndarray,
                     gallery_feats: np.ndarray,
                     gallery_labels: np.ndarray) -> np.ndarray:
    """0-based rank of each query's first same-class gallery video.

    Args:
        query_feats (np.ndarray): Unit query features, shape (M, D).
        query_labels (np.ndarray): Query classes, shape (M,).
        gallery_feats (np.ndarray): Unit gallery features, shape (N, D).
        gallery_labels (np.ndarray): Gallery classes, shape (N,).

    Returns:
        np.ndarray: Ranks in [0, N), or N where the gallery lacks the
        query's class, shape (M,).
    """
    similarity = query_feats @ gallery_feats.T
    same_class = query_labels[:, None] == gallery_labels[None, :]
    # argmax returns the first maximum: the lowest gallery index among ties.
    first_hit = np.where(same_class, similarity, -np.inf).argmax(axis=1)
    hit_similarity = similarity[np.arange(len(similarity)), first_hit]
    ahead = (similarity > hit_similarity[:, None]) | (
        (similarity == hit_similarity[:, None])
        & (np.arange(similarity.shape[1])[None, :] < first_hit[:, None]))
    ranks = ahead.sum(axis=1)
    ranks[~same_class.any(axis=1)] = similarity.shape[1]
    return ranks


@METRICS.register_module()
class VideoRetrievalMetric(BaseMetric):
    """Top-k accuracy of retrieving train videos with test videos.

    The VCOP retrieval protocol: every query video (``is_query=True``, the
    split's test list) ranks the gallery videos (``is_query=False``, the
    train list) by the cosine similarity of their features; see
    :func:`retrieval_topk_accuracy` for the ranking, its tie rule and the
    hit rule. Use it with :class:`RetrievalVideoDataset`, whose data
    samples carry ``is_query``, and a model whose ``predict`` writes a 1-D
    ``feature`` per video. Reports (with the default prefix ``retrieval``)
    ``retrieval/top{k}`` in [0, 1] for every ``k``, ``retrieval/num_query``
    and ``retrieval/num_gallery``.

    Args:
        topk (Sequence[int]): The values of ``k``. Defaults to
            ``(1, 5, 10, 20, 50)``.
        save_features (str, optional): Where to write, at compute time, an
            ``.npz`` with ``gallery_feats`` (N, D), ``gallery_labels`` (N,),
            ``query_feats`` (M, D) and ``query_labels`` (M,), the raw
            features in dataset order (``np.savez`` appends ``.npz`` to a
            path without it). Defaults to None (nothing written).
        collect_device (str): Device to gather results across ranks on.
            Defaults to ``'cpu'``.
        prefix (str, optional): Metric name prefix. Defaults to
            ``'retrieval'``.
    """

    default_prefix: Optional[str] = 'retrieval'

    def __init__(self,
                 topk: Sequence[int] = (1, 5, 10, 20, 50),
                 save_features: Optional[str] = None,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.topk = tuple(topk)
        _check_positive(topk=self.topk)
        self.save_features = save_features

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
                    f'VideoRetrievalMetric: a data sample lacks {missing}: '
                    'the model must write `feature` in predict and the '
                    'dataset (RetrievalVideoDataset) must pack `is_query` '
                    "with PackActionInputs(algorithm_keys=('is_query',))")
            self.results.append(
                dict(feature=_to_feature(sample['feature']),
                     label=_to_label(sample['gt_label']),
                     is_query=bool(sample['is_query'])))

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        """Rank the gallery for every query and count the hits.

        Args:
            results (list[dict]): Per-video values from :meth:`process`.

        Returns:
            dict: ``top{k}`` per ``k``, ``num_query`` and ``num_gallery``.
        """
        query_feats, query_labels = _stack(results, is_query=True)
        gallery_feats, gallery_labels = _stack(results, is_query=False)
        accuracy = retrieval_topk_accuracy(query_feats, query_labels,
                                           gallery_feats, gallery_labels,
                                           self.topk)
        if self.save_features:
            mkdir_or_exist(osp.dirname(osp.abspath(self.save_features)))
            np.savez(self.save_features,
                     gallery_feats=gallery_feats,
                     gallery_labels=gallery_labels,
                     query_feats=query_feats,
                     query_labels=query_labels)
        metrics = {f'top{k}': value for k, value in accuracy.items()}
        metrics.update(num_query=len(query_feats),
                       num_gallery=len(gallery_feats))
        return metrics


def _to_feature(value: Any) -> np.ndarray:
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
        raise ValueError('VideoRetrievalMetric expects a 1-D `feature` per '
                         f'video, got shape {feature.shape}')
    return feature


def _to_label(value: Any) -> int:
    """A video's class as an int.

    Args:
        value (Any): int, or tensor / array holding one class.

    Returns:
        int: The class.
    """
    label = torch.as_tensor(value).reshape(-1)
    if label.numel() != 1:
        raise ValueError('VideoRetrievalMetric expects one class per video, '
                         f'got `gt_label` {label.tolist()}')
    return int(label[0])


def _stack(results: List[dict],
           is_query: bool) -> Tuple[np.ndarray, np.ndarray]:
    """Features and classes of the queries or of the gallery, in order.

    Args:
        results (list[dict]): Per-video values from :meth:`process`.
        is_query (bool): Take the queries (True) or the gallery (False).

    Returns:
        tuple[np.ndarray, np.ndarray]: float32 features (K, D) (shape (0, 0)
        when there is none) and int64 classes (K,).
    """
    kept = [item for item in results if item['is_query'] == is_query]
    feats = (np.stack([item['feature'] for item in kept]) if kept
             else np.zeros((0, 0), dtype=np.float32))
    labels = np.array([item['label'] for item in kept], dtype=np.int64)
    return feats, labels
