"""Layers and helpers shared by mmprp's models."""
from .describe_output import describe_output
from .factorised_conv3d import FactorisedConv3d

__all__ = ['FactorisedConv3d', 'describe_output']
