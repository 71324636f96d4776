# PRP with the R(2+1)D-18 encoder of encoders/r21d18.py and the heads of
# prp_heads.py.
_base_ = ['./prp_heads.py', './encoders/r21d18.py']
model = dict(
    backbone=_base_.encoder,
    rate_head=dict(in_channels=512),
    decoder=dict(in_channels=512))
