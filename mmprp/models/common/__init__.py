"""Layers and helpers shared by mmprp's models."""
from .describe_output import describe_output
from .encoder_probe import complete_head_configs, probe_encoder, shape_advice
from .factorised_conv3d import FactorisedConv3d
from .halve_to_fit import halve_to_fit
from .upsample_conv3d import upsample_conv3d

__all__ = [
    'FactorisedConv3d', 'complete_head_configs', 'describe_output',
    'halve_to_fit', 'probe_encoder', 'shape_advice', 'upsample_conv3d'
]
