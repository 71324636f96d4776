"""A third pretext head, defined here alone, trains through the recognizer."""
from typing import Dict

import torch
from mmaction.registry import MODELS
from mmaction.utils import SampleList
from torch import Tensor, nn

import mmprp  # noqa: F401
from mmprp.datasets.transforms import PlaybackRateSampler
from mmprp.evaluation import PretextLossMetric
from mmprp.models.heads import BasePretextHead
from mmprp.structures import PLAYBACK_RATE_KEY
from helpers import prp_batch


@MODELS.register_module(force=True)
class ToyRateRegressionHead(BasePretextHead):
    """Regresses log2 of the playback rate from the pooled encoder map."""

    def __init__(self, in_channels: int, protocol=None, **kwargs) -> None:
        super().__init__()
        self.fc = nn.Linear(in_channels, 1)

    def _errors(self, feats: Tensor, data_samples: SampleList) -> Tensor:
        pred = self.fc(feats.mean(dim=(2, 3, 4))).squeeze(1)
        rates = torch.tensor(
            [float(s.get(PLAYBACK_RATE_KEY)) for s in data_samples])
        return (pred - rates.log2()).square()

    def loss(self, feats: Tensor, data_samples: SampleList,
             **kwargs) -> Dict[str, Tensor]:
        return dict(loss_toy=self._errors(feats, data_samples).mean())

    def predict(self, feats: Tensor, data_samples: SampleList,
                **kwargs) -> SampleList:
        return self.write_sample_losses(
            dict(loss_toy=self._errors(feats, data_samples)), data_samples)


def test_a_head_from_config_alone_trains_and_reaches_the_metric(
        narrow_prp_cfg) -> None:
    cfg = dict(
        narrow_prp_cfg,
        extra_heads=dict(
            toy=dict(type='ToyRateRegressionHead', in_channels=32)))
    model = MODELS.build(cfg)
    model.init_weights()
    inputs, samples, _ = prp_batch(PlaybackRateSampler(), [1, 2, 4, 8])
    data = model.data_preprocessor.add_views(inputs, samples)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    before = model.toy.fc.weight.detach().clone()
    losses = model.loss(**data)
    assert {'loss_rate', 'rate_acc', 'loss_recon', 'loss_toy'} == set(losses)
    sum(v for k, v in losses.items() if k.startswith('loss')).backward()
    optimizer.step()
    assert not torch.equal(model.toy.fc.weight, before)
    assert model.backbone.conv1a.conv.weight.grad is not None
    assert 'toy.fc.weight' in model.state_dict()

    model.eval()
    with torch.no_grad():
        predicted = model.predict(**data)
    metric = PretextLossMetric()
    metric.process({}, [sample.to_dict() for sample in predicted])
    result = metric.compute_metrics(metric.results)
    assert set(result) == {
        'loss', 'loss_rate', 'loss_recon', 'loss_toy', 'rate_acc'
    }
    torch.testing.assert_close(
        result['loss'],
        result['loss_rate'] + result['loss_recon'] + result['loss_toy'])
