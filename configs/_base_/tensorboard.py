# TensorBoard logging next to MMAction2's local logs (vis_data/scalars.json,
# which tools/analysis_tools/plot_training_curves.py reads). Only for
# environments with TensorBoard installed (`pip install tensorboard`; this
# project does not install it): without it training stops at its start with
# an ImportError.
#
# mmengine refuses a key that two `_base_` files both define, and every
# complete config already defines `visualizer` (via MMAction2's
# default_runtime.py), so do not list this file next to one. Either merge it
# last from Python:
#
#   cfg = Config.fromfile('configs/prp/prp_c3d_ucf101.py')
#   cfg.merge_from_dict(Config.fromfile('configs/_base_/tensorboard.py'))
#
# or write a config that inherits the complete one and sets the same value:
#
#   _base_ = ['../prp/prp_c3d_ucf101.py']
#   visualizer = dict(vis_backends=[
#       dict(type='LocalVisBackend'), dict(type='TensorboardVisBackend')])
#
# Event files go to <work_dir>/<timestamp>/vis_data; view them with
# `tensorboard --logdir <work_dir>`.
vis_backends = [
    dict(type='LocalVisBackend'),
    dict(type='TensorboardVisBackend')
]
visualizer = dict(type='ActionVisualizer', vis_backends=vis_backends)
