"""Validation loss and rate accuracy of the PRP pretext tasks."""
from typing import Any, Dict, List, Optional, Sequence

import numpy as np
from mmaction.registry import METRICS
from mmengine.evaluator import BaseMetric

LOSS_KEYS = ('loss_rate', 'loss_recon')


@METRICS.register_module()
class PretextLossMetric(BaseMetric):
    """Average the per-sample pretext losses of a validation epoch.

    Reads the fields that :meth:`SelfSupRecognizer.predict` writes and
    reports (with the default prefix ``pretext``):

    * ``pretext/loss``: mean total weighted loss, the quantity the authors
      select checkpoints by (``CheckpointHook(save_best='pretext/loss',
      rule='less')``) and reduce the learning rate on;
    * ``pretext/loss_rate``, ``pretext/loss_recon``: the parts present;
    * ``pretext/rate_acc``: playback-rate accuracy in [0, 1], if the model
      has a rate head.

    Args:
        collect_device (str): Device to gather results across ranks on.
            Defaults to ``'cpu'``.
        prefix (str, optional): Metric name prefix. Defaults to
            ``'pretext'``.
    """

    default_prefix: Optional[str] = 'pretext'

    def process(self, data_batch: Any, data_samples: Sequence[dict]) -> None:
        """Keep the per-sample losses and whether the rate was right.

        Args:
            data_batch (Any): Unused.
            data_samples (Sequence[dict]): Predicted data samples as dicts.
        """
        for sample in data_samples:
            kept = {
                key: float(sample[key])
                for key in LOSS_KEYS if key in sample
            }
            if not kept:
                raise KeyError(
                    'PretextLossMetric found no pretext losses in the data '
                    'samples: the model must be a SelfSupRecognizer')
            if 'pred_rate' in sample:
                kept['rate_correct'] = float(
                    int(sample['pred_rate']) == int(sample['rate_label']))
            self.results.append(kept)

    def compute_metrics(self, results: List[Dict[str,
                                                 float]]) -> Dict[str, float]:
        """Average the collected values.

        Args:
            results (list[dict]): Per-sample values from :meth:`process`.

        Returns:
            dict: ``loss``, the loss parts and ``rate_acc`` (when present).
        """
        metrics = {}
        parts = [key for key in LOSS_KEYS if key in results[0]]
        for key in parts:
            metrics[key] = float(np.mean([item[key] for item in results]))
        metrics['loss'] = sum(metrics[key] for key in parts)
        if 'rate_correct' in results[0]:
            metrics['rate_acc'] = float(
                np.mean([item['rate_correct'] for item in results]))
        return metrics
