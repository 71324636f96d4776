"""Tests of ClassificationLossMetric: the finetuning validation loss."""
import math

import pytest
import torch
import torch.nn.functional as F
from mmaction.registry import METRICS
from mmaction.structures import ActionDataSample

from mmprp.evaluation.metrics import ClassificationLossMetric


def predicted(score: torch.Tensor, label: int) -> dict:
    """A recognizer's output sample as the evaluator hands it over."""
    sample = ActionDataSample().set_gt_label(label).set_pred_score(score)
    return sample.to_dict()


def test_logits_give_the_training_cross_entropy() -> None:
    logits = torch.tensor([[2.0, -1.0, 0.5], [0.1, 0.2, 3.0], [-4.0, 5.0,
                                                               1.0]])
    labels = torch.tensor([0, 1, 1])
    metric = METRICS.build(dict(type='ClassificationLossMetric'))
    metric.process({}, [predicted(s, int(y)) for s, y in zip(logits, labels)])
    result = metric.evaluate(size=3)
    assert list(result) == ['cls/loss']
    assert result['cls/loss'] == pytest.approx(
        F.cross_entropy(logits, labels).item(), rel=1e-6)


def test_probabilities_of_averaged_clips() -> None:
    probs = torch.tensor([0.7, 0.2, 0.1])
    metric = ClassificationLossMetric(scores='prob')
    metric.process({}, [predicted(probs, 1), predicted(probs, 0)])
    assert metric.evaluate(size=2)['cls/loss'] == pytest.approx(
        -(math.log(0.2) + math.log(0.7)) / 2)


def test_zero_probability_is_floored_not_infinite() -> None:
    metric = ClassificationLossMetric(scores='prob')
    metric.process({}, [predicted(torch.tensor([1.0, 0.0]), 1)])
    assert metric.evaluate(
        size=1)['cls/loss'] == pytest.approx(-math.log(1e-12))


def test_logits_given_as_probabilities_are_refused() -> None:
    metric = ClassificationLossMetric(scores='prob')
    with pytest.raises(ValueError, match="average_clips='prob'"):
        metric.process({}, [predicted(torch.tensor([2.0, -1.0]), 0)])


def test_unknown_score_kind_and_missing_fields() -> None:
    with pytest.raises(ValueError, match='logit'):
        ClassificationLossMetric(scores='softmax')
    with pytest.raises(KeyError, match='pred_score'):
        ClassificationLossMetric().process({},
                                           [dict(loss_rate=torch.tensor(0.1))])
