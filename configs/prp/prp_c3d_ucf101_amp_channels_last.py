# prp_c3d_ucf101_amp.py with the 5-D weights stored channels-last (NDHWC),
# the layout of cuDNN's fastest mixed-precision 3-D convolutions.
_base_ = ['./prp_c3d_ucf101_amp.py']
custom_hooks = _base_.custom_hooks + [dict(type='ChannelsLast3dHook')]
