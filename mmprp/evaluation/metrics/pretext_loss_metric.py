"""Validation loss and rate accuracy of the PRP pretext tasks."""
from typing import Any, Dict, List, Optional, Sequence

import numpy as np
from mmaction.registry import METRICS
from mmengine.evaluator import BaseMetric

from ...structures import LOSS_PREFIX, PRED_RATE_KEY, RATE_LABEL_KEY


@METRICS.register_module()
class PretextLossMetric(BaseMetric):
    """Average the per-sample pretext losses of a validation epoch.

    Reads the fields that the pretext heads' ``predict`` writes through
    :meth:`SelfSupRecognizer.predict` (every ``loss_*`` field, whichever
    heads there are) and reports (with the default prefix ``pretext``):

    * ``pretext/loss``: mean total weighted loss, the quantity the authors
      select checkpoints by (``CheckpointHook(save_best='pretext/loss',
      rule='less')``) and reduce the learning rate on;
    * ``pretext/loss_rate``, ``pretext/loss_recon``, ...: each part;
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
                key: float(value)
                for key, value in sample.items() if key.startswith(LOSS_PREFIX)
            }
            if not kept:
                raise KeyError(
                    'PretextLossMetric found no pretext losses in the data '
                    'samples: the model must be a SelfSupRecognizer')
            if PRED_RATE_KEY in sample:
                kept['rate_correct'] = float(
                    int(sample[PRED_RATE_KEY]) == int(sample[RATE_LABEL_KEY]))
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
        parts = sorted(key for key in results[0]
                       if key.startswith(LOSS_PREFIX))
        for key in parts:
            metrics[key] = float(np.mean([item[key] for item in results]))
        metrics['loss'] = sum(metrics[key] for key in parts)
        if 'rate_correct' in results[0]:
            metrics['rate_acc'] = float(
                np.mean([item['rate_correct'] for item in results]))
        return metrics
