"""Layers and helpers shared by mmprp's models."""
from .describe_output import describe_output
from .factorised_conv3d import FactorisedConv3d
from .upsample_conv3d import upsample_conv3d

__all__ = ['FactorisedConv3d', 'describe_output', 'upsample_conv3d']
