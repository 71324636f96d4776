"""Tests of PretextLossMetric."""
import pytest
import torch

from mmprp.evaluation.metrics import PretextLossMetric


def test_averages_per_sample_values_with_prefix() -> None:
    metric = PretextLossMetric()
    metric.dataset_meta = {}
    samples = [
        dict(
            loss_rate=torch.tensor(0.2),
            loss_recon=torch.tensor(1.0),
            pred_rate=torch.tensor(3),
            rate_label=3),
        dict(
            loss_rate=torch.tensor(0.4),
            loss_recon=torch.tensor(3.0),
            pred_rate=torch.tensor(1),
            rate_label=0),
        dict(
            loss_rate=torch.tensor(0.0),
            loss_recon=torch.tensor(2.0),
            pred_rate=torch.tensor(0),
            rate_label=0),
    ]
    metric.process({}, samples[:2])
    metric.process({}, samples[2:])
    result = metric.evaluate(size=3)
    assert result == pytest.approx({
        'pretext/loss_rate': 0.2,
        'pretext/loss_recon': 2.0,
        'pretext/loss': 2.2,
        'pretext/rate_acc': 2 / 3,
    })


def test_generative_only() -> None:
    metric = PretextLossMetric()
    metric.process({}, [dict(loss_recon=torch.tensor(0.5))])
    assert metric.evaluate(size=1) == {
        'pretext/loss_recon': 0.5,
        'pretext/loss': 0.5
    }


def test_needs_pretext_outputs() -> None:
    with pytest.raises(KeyError, match='SelfSupRecognizer'):
        PretextLossMetric().process({}, [dict(pred_score=torch.ones(3))])
