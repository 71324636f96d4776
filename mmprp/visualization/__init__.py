"""Figures for PRP: motion attention, encoder activations, training curves,
the retrieval monitor's curve and the playback-rate confusion matrix.

Not imported by ``import mmprp``; import the modules directly, e.g.
``from mmprp.visualization import visualize_motion_attention``. Figures are
drawn off-screen (Agg) and written as PNG.
"""
from .activations import visualize_activations
from .confusion import collect_rate_predictions, plot_rate_confusion
from .motion_attention import visualize_motion_attention
from .retrieval_monitor import plot_retrieval_monitor
from .training_curves import plot_work_dirs, read_training_curves

__all__ = [
    'collect_rate_predictions', 'plot_rate_confusion',
    'plot_retrieval_monitor', 'plot_work_dirs', 'read_training_curves',
    'visualize_activations', 'visualize_motion_attention'
]
