"""Cross-entropy of a recognizer's predictions: a validation loss."""
import math
from typing import Any, Dict, List, Optional, Sequence

import numpy as np
from mmaction.registry import METRICS
from mmengine.evaluator import BaseMetric

SCORE_KINDS = ('logit', 'prob')
# probabilities must sum to one within this; log(p) is floored at log(tiny)
PROB_SUM_TOLERANCE = 1e-3
MIN_PROB = 1e-12


def cross_entropy(score: np.ndarray, label: int, kind: str) -> float:
    """The cross-entropy of one prediction.

    Args:
        score (np.ndarray): Class scores, shape (num_classes, ): logits
            (``kind='logit'``) or probabilities (``kind='prob'``).
        label (int): The true class.
        kind (str): ``'logit'`` or ``'prob'``.

    Returns:
        float: ``-log softmax(score)[label]`` for logits,
        ``-log max(score[label], 1e-12)`` for probabilities.
    """
    score = score.astype(np.float64)
    if kind == 'logit':
        top = score.max()
        return float(top + math.log(np.exp(score - top).sum()) - score[label])
    return -math.log(max(float(score[label]), MIN_PROB))


@METRICS.register_module()
class ClassificationLossMetric(BaseMetric):
    """Mean cross-entropy of the predicted class scores on a dataset.

    A validation loss for checkpoint selection as the PRP authors finetune
    (the lowest-validation-loss model is kept): reads ``pred_score`` and
    ``gt_label`` of MMAction2's recognizers' data samples and reports
    ``cls/loss`` (with the default prefix). Use it next to ``AccMetric``::

        val_evaluator = [dict(type='AccMetric'),
                         dict(type='ClassificationLossMetric', scores='logit')]

    ``pred_score`` is what the head's ``average_clips`` makes of the clips'
    logits: ``'score'`` keeps (averaged) logits, ``'prob'`` averages softmax
    probabilities; ``scores`` must say which. With one clip per video both
    give the training loss's cross-entropy.

    Args:
        scores (str): ``'logit'`` or ``'prob'``. Defaults to ``'logit'``.
        collect_device (str): Device to gather results across ranks on.
            Defaults to ``'cpu'``.
        prefix (str, optional): Metric name prefix. Defaults to ``'cls'``.

    Raises:
        ValueError: If ``scores`` is neither kind.
    """

    default_prefix: Optional[str] = 'cls'

    def __init__(self,
                 scores: str = 'logit',
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        if scores not in SCORE_KINDS:
            raise ValueError(f'ClassificationLossMetric: scores must be one '
                             f'of {SCORE_KINDS}, got {scores!r}')
        self.scores = scores

    def process(self, data_batch: Any, data_samples: Sequence[dict]) -> None:
        """Keep the cross-entropy of every sample.

        Args:
            data_batch (Any): Unused.
            data_samples (Sequence[dict]): Predicted data samples as dicts,
                with ``pred_score`` (num_classes, ) and ``gt_label`` (1, ).

        Raises:
            KeyError: If a sample lacks ``pred_score`` or ``gt_label``.
            ValueError: If a sample has several labels, or ``scores='prob'``
                and its scores are not probabilities.
        """
        for sample in data_samples:
            if 'pred_score' not in sample or 'gt_label' not in sample:
                raise KeyError(
                    'ClassificationLossMetric needs `pred_score` and '
                    '`gt_label` in the data samples (an MMAction2 '
                    f'recognizer\'s predictions); got {sorted(sample)}')
            label = sample['gt_label']
            if label.numel() != 1:
                raise ValueError('ClassificationLossMetric takes one label '
                                 f'per sample, got {label.tolist()}')
            score = sample['pred_score'].detach().cpu().numpy()
            if self.scores == 'prob':
                self._check_probabilities(score)
            self.results.append(
                cross_entropy(score, int(label.item()), self.scores))

    @staticmethod
    def _check_probabilities(score: np.ndarray) -> None:
        if score.min() < 0 or abs(score.sum() - 1) > PROB_SUM_TOLERANCE:
            raise ValueError(
                "ClassificationLossMetric(scores='prob') got scores that are "
                f'not probabilities (min {score.min():.3g}, sum '
                f"{score.sum():.3g}): set the head's average_clips='prob' or "
                "use scores='logit' with average_clips='score'")

    def compute_metrics(self, results: List[float]) -> Dict[str, float]:
        """Average the per-sample losses.

        Args:
            results (list[float]): Cross-entropies from :meth:`process`.

        Returns:
            dict: ``loss``, the mean cross-entropy.
        """
        return dict(loss=float(np.mean(results)))
