"""Synthetic data for tests, benchmarks and the demo, as MMAction2 keeps
``mmaction.testing``: a deterministic action-video dataset in UCF101's
layout (:func:`generate_synthetic_ucf101`), its motions and its looks.

Not imported by ``import mmprp``. :mod:`mmprp.testing.encode_video` needs
PyAV (``pip install "mmprp[testing]"``) and is not imported here.
"""
from .synthetic_appearance import APPEARANCES, GREY_BACKGROUND, GREY_OBJECT
from .synthetic_motions import MOTIONS, Motion
from .synthetic_ucf101 import (NUM_SPLITS, OBJECT_SIZE, SyntheticDataset,
                               generate_synthetic_ucf101)

__all__ = [
    'APPEARANCES', 'GREY_BACKGROUND', 'GREY_OBJECT', 'MOTIONS', 'Motion',
    'NUM_SPLITS', 'OBJECT_SIZE', 'SyntheticDataset',
    'generate_synthetic_ucf101'
]
