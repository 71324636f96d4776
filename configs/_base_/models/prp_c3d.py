# PRP with the C3D encoder of encoders/c3d.py and the heads of prp_heads.py.
_base_ = ['./prp_heads.py', './encoders/c3d.py']
model = dict(
    backbone=_base_.encoder,
    rate_head=dict(in_channels=512),
    decoder=dict(in_channels=512))
