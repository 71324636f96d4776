"""Linear probe: a softmax classifier fit on frozen train video features."""
from typing import Dict, List, Optional

import numpy as np
import torch
import torch.nn.functional as F
from mmaction.registry import METRICS

from .video_feature_metric import VideoFeatureMetric, check_feature_sets


def linear_probe_accuracy(train_feats: np.ndarray,
                          train_labels: np.ndarray,
                          test_feats: np.ndarray,
                          test_labels: np.ndarray,
                          weight_decay: float = 1e-3,
                          max_iter: int = 200) -> float:
    """Fit multinomial logistic regression on train features, score test.

    Features are standardised with the train mean and standard deviation
    (constant dimensions are left at zero); the weights start at zero and
    minimise the mean cross-entropy plus ``weight_decay`` times the squared
    L2 norm of the weights with full-batch L-BFGS (strong Wolfe line
    search), so the result is deterministic and does not depend on the
    features' scale. Classes are the integers ``0 .. max label``.

    Args:
        train_feats (np.ndarray): Train features, shape (N, D).
        train_labels (np.ndarray): Train classes, shape (N,).
        test_feats (np.ndarray): Test features, shape (M, D).
        test_labels (np.ndarray): Test classes, shape (M,).
        weight_decay (float): L2 penalty on the weights. Defaults to 1e-3.
        max_iter (int): L-BFGS iterations. Defaults to 200.

    Returns:
        float: Fraction of test videos whose class is predicted, in [0, 1].

    Raises:
        ValueError: If a set is empty or the shapes disagree.
    """
    check_feature_sets(test_feats, test_labels, train_feats, train_labels)
    train = torch.as_tensor(train_feats, dtype=torch.float64)
    test = torch.as_tensor(test_feats, dtype=torch.float64)
    mean, std = train.mean(0), train.std(0, unbiased=False)
    std = torch.where(std > 0, std, torch.ones_like(std))
    train, test = (train - mean) / std, (test - mean) / std
    targets = torch.as_tensor(train_labels, dtype=torch.long)
    num_classes = int(max(train_labels.max(), test_labels.max())) + 1
    weight = torch.zeros(
        train.shape[1], num_classes, dtype=torch.float64, requires_grad=True)
    bias = torch.zeros(num_classes, dtype=torch.float64, requires_grad=True)
    optimizer = torch.optim.LBFGS([weight, bias],
                                  max_iter=max_iter,
                                  line_search_fn='strong_wolfe')

    def closure() -> torch.Tensor:
        optimizer.zero_grad()
        loss = F.cross_entropy(train @ weight + bias, targets)
        loss = loss + weight_decay * weight.pow(2).sum()
        loss.backward()
        return loss

    optimizer.step(closure)
    with torch.no_grad():
        predicted = (test @ weight + bias).argmax(1).numpy()
    return float(np.mean(predicted == test_labels))


@METRICS.register_module()
class LinearProbeMetric(VideoFeatureMetric):
    """Top-1 accuracy of a linear classifier on frozen video features.

    A cheap stand-in for finetuning that still measures how linearly the
    classes separate in the encoder's features: a softmax classifier is fit
    on the gallery (train) videos' features and classifies the query (test)
    videos (:func:`linear_probe_accuracy`). Pair it with
    :class:`VideoRetrievalMetric` in one ``test_evaluator`` list to get
    both from one feature pass. Data samples: see
    :class:`VideoFeatureMetric`. Reports (with the default prefix
    ``probe``) ``probe/top1``, ``probe/num_train`` and ``probe/num_test``.

    Args:
        weight_decay (float): L2 penalty on the classifier weights.
            Defaults to 1e-3.
        max_iter (int): L-BFGS iterations. Defaults to 200.
        collect_device (str): Device to gather results across ranks on.
            Defaults to ``'cpu'``.
        prefix (str, optional): Metric name prefix. Defaults to ``'probe'``.
    """

    default_prefix: Optional[str] = 'probe'

    def __init__(self,
                 weight_decay: float = 1e-3,
                 max_iter: int = 200,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        if weight_decay < 0 or max_iter < 1:
            raise ValueError('LinearProbeMetric needs weight_decay >= 0 and '
                             f'max_iter >= 1, got {weight_decay} and '
                             f'{max_iter}')
        self.weight_decay = weight_decay
        self.max_iter = max_iter

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        """Fit on the gallery, classify the queries.

        Args:
            results (list[dict]): Per-video values from :meth:`process`.

        Returns:
            dict: ``top1``, ``num_train`` and ``num_test``.
        """
        test_feats, test_labels, train_feats, train_labels = (
            self.feature_sets(results))
        accuracy = linear_probe_accuracy(train_feats, train_labels, test_feats,
                                         test_labels, self.weight_decay,
                                         self.max_iter)
        return dict(
            top1=accuracy,
            num_train=len(train_feats),
            num_test=len(test_feats))
