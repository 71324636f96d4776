# R(2+1)D-18 as in VCOP/PRP (paper §4.1, the authors' code): MMAction2's ResNet2Plus1d (each 3D
# conv factorised (1,k,k) -> BN -> ReLU -> (k,1,1), mmaction's mid-width
# rule) with ONE block per stage. ResNet2Plus1d always max-pools after the
# stem, so the second stage keeps its spatial stride at 1 to end at 512x2x7x7.
_base_ = ['./r3d18.py']
encoder = dict(
    type='ResNet2Plus1d',
    spatial_strides=(1, 1, 2, 2),
    conv_cfg=dict(type='Conv2plus1d'),
    norm_cfg=dict(type='BN3d', requires_grad=True, eps=1e-3),
    act_cfg=dict(type='ReLU', inplace=True),
    zero_init_residual=False)
