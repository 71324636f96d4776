"""Nearest-neighbour video retrieval: top-k accuracy (VCOP protocol)."""
import logging
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
from mmaction.registry import METRICS
from mmengine.logging import print_log
from mmengine.utils import mkdir_or_exist

from .video_feature_metric import VideoFeatureMetric, check_feature_sets


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
    ``k`` larger than the gallery means the whole gallery (whatever the
    features, so :class:`VideoRetrievalMetric` reports every ``k`` not
    below the gallery size as NaN), and a query whose class is absent from
    the gallery never hits.

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
    check_feature_sets(query_feats, query_labels, gallery_feats,
                       gallery_labels)
    _check_positive(topk=tuple(topk), chunk_size=(chunk_size, ))
    query_feats = _l2_normalise(query_feats)
    gallery_feats = _l2_normalise(gallery_feats)
    ranks = np.concatenate([
        _first_hit_ranks(query_feats[start:start + chunk_size],
                         query_labels[start:start + chunk_size], gallery_feats,
                         gallery_labels)
        for start in range(0, len(query_feats), chunk_size)
    ])
    num_gallery = len(gallery_feats)
    return {k: float(np.mean(ranks < min(k, num_gallery))) for k in topk}


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
class VideoRetrievalMetric(VideoFeatureMetric):
    """Top-k accuracy of retrieving train videos with test videos.

    The VCOP retrieval protocol: every query video (``is_query=True``, the
    split's test list) ranks the gallery videos (``is_query=False``, the
    train list) by the cosine similarity of their features; see
    :func:`retrieval_topk_accuracy` for the ranking, its tie rule and the
    hit rule. Data samples: see :class:`VideoFeatureMetric`. Reports (with
    the default prefix ``retrieval``) ``retrieval/top{k}`` in [0, 1] for
    every ``k``, ``retrieval/num_query`` and ``retrieval/num_gallery``.

    A ``k`` not below the gallery size measures nothing: the first ``k``
    videos are the whole gallery, so every query whose class is in it hits
    (top-50 = 1.0 on a gallery of 50 videos, whatever the features). Such a
    ``k`` is reported as NaN, with a warning naming it and the gallery size.

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

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        """Rank the gallery for every query and count the hits.

        Args:
            results (list[dict]): Per-video values from :meth:`process`.

        Returns:
            dict: ``top{k}`` per ``k`` (NaN for a ``k`` not below the
            gallery size), ``num_query`` and ``num_gallery``.
        """
        query_feats, query_labels, gallery_feats, gallery_labels = (
            self.feature_sets(results))
        accuracy = retrieval_topk_accuracy(query_feats, query_labels,
                                           gallery_feats, gallery_labels,
                                           self.topk)
        if self.save_features:
            mkdir_or_exist(osp.dirname(osp.abspath(self.save_features)))
            np.savez(
                self.save_features,
                gallery_feats=gallery_feats,
                gallery_labels=gallery_labels,
                query_feats=query_feats,
                query_labels=query_labels)
        unmeasured = [k for k in self.topk if k >= len(gallery_feats)]
        if unmeasured:
            print_log(
                f'retrieval: top-k for k >= the gallery size measures nothing '
                f'(the {len(gallery_feats)} gallery videos are all within '
                f'the top k); reported as NaN: '
                + ', '.join(f'top{k}' for k in unmeasured),
                logger='current',
                level=logging.WARNING)
        metrics = {
            f'top{k}': float('nan') if k in unmeasured else value
            for k, value in accuracy.items()
        }
        metrics.update(
            num_query=len(query_feats), num_gallery=len(gallery_feats))
        return metrics
