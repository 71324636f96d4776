# PRP with MMAction2's stock X3D-S (encoders/x3d_s.py, 432-channel map) and
# the heads of prp_heads.py. init_cfg=None: every module initialises itself,
# the backbone as in MMAction2's supervised recipes (the authors' torch
# 0.4.1 initialisation of prp_heads.py belongs to their C3D/R3D/R(2+1)D).
_base_ = ['./prp_heads.py', './encoders/x3d_s.py']
model = dict(
    backbone=_base_.encoder,
    init_cfg=None,
    rate_head=dict(in_channels=432),
    decoder=dict(in_channels=432))
