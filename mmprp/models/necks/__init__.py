"""mmprp.models.necks: adapters from a backbone's output to one 5-D map."""
from .frames_to_clip_neck import FramesToClipNeck
from .pathway_concat_neck import PathwayConcatNeck

__all__ = ['FramesToClipNeck', 'PathwayConcatNeck']
