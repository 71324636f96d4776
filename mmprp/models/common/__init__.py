"""Layers and helpers shared by mmprp's models."""
from .describe_output import describe_output
from .factorised_conv3d import FactorisedConv3d
from .halve_to_fit import halve_to_fit
from .upsample_conv3d import upsample_conv3d

__all__ = [
    'FactorisedConv3d', 'describe_output', 'halve_to_fit', 'upsample_conv3d'
]
