"""Synthetic data for tests, benchmarks and the demo, as MMAction2 keeps
``mmaction.testing``.

Not imported by ``import mmprp``. :mod:`mmprp.testing.encode_video` needs
PyAV (``pip install "mmprp[testing]"``) and is not imported here.
"""
from .synthetic_ucf101 import SyntheticDataset, generate_synthetic_ucf101

__all__ = ['SyntheticDataset', 'generate_synthetic_ucf101']
