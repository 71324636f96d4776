# prp_c3d_ucf101_amp.py, kept for existing command lines: every PRP config
# now stores its 5-D weights channels-last (NDHWC, ChannelsLast3dHook in
# ../_base_/schedules/prp_sgd_300e.py), the layout of cuDNN's fastest
# mixed-precision 3-D convolutions.
_base_ = ['./prp_c3d_ucf101_amp.py']
