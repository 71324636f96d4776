"""The built-in demo (``make demo``, ``demo/__main__.py``): PRP pretraining on
the synthetic dataset, evaluation against random initialisation over seeds,
figures and a report."""
from .figures import draw_figures, first_test_videos
from .reconstruction import measure_reconstruction, reconstruction_errors
from .report import (Comparison, SeedResult, compare, describe_setup,
                     write_report, write_results_json)
from .runs import (PretrainRun, eval_config, evaluate, make_dataset, pretrain,
                   pretrain_config, prp_sampler, random_init_checkpoint)
from .settings import DemoSettings

__all__ = [
    'Comparison', 'DemoSettings', 'PretrainRun', 'SeedResult', 'compare',
    'describe_setup', 'draw_figures', 'eval_config', 'evaluate',
    'first_test_videos', 'make_dataset', 'measure_reconstruction', 'pretrain',
    'pretrain_config', 'prp_sampler', 'random_init_checkpoint',
    'reconstruction_errors', 'write_report', 'write_results_json'
]
