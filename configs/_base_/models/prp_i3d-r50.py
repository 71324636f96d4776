# PRP with MMAction2's stock I3D-R50 (encoders/i3d_r50.py, 2048-channel map)
# and the heads of prp_heads.py, the rate head's hidden conv at the authors'
# 512 channels (2048 would be a 113 M-parameter conv). init_cfg=None: every
# module initialises itself, the backbone as in MMAction2's supervised
# recipes (the authors' torch 0.4.1 initialisation of prp_heads.py belongs
# to their C3D/R3D/R(2+1)D).
_base_ = ['./prp_heads.py', './encoders/i3d_r50.py']
model = dict(
    backbone=_base_.encoder,
    init_cfg=None,
    rate_head=dict(in_channels=2048, hidden_channels=512),
    decoder=dict(in_channels=2048))
