# PRP with R(2+1)D-18 as in VCOP/PRP: MMAction2's ResNet2Plus1d (each 3D conv
# factorised (1,k,k) -> BN -> ReLU -> (k,1,1), mmaction's mid-width rule) with
# ONE block per stage. ResNet2Plus1d always max-pools after the stem, so the
# second stage keeps its spatial stride at 1 to end at 512x2x7x7 like C3D/R3D.
_base_ = ['./prp_c3d.py']
model = dict(
    backbone=dict(
        _delete_=True,
        type='ResNet2Plus1d',
        depth=18,
        stage_blocks=(1, 1, 1, 1),
        pretrained=None,
        pretrained2d=False,
        conv1_kernel=(3, 7, 7),
        conv1_stride_t=1,
        pool1_stride_t=1,
        spatial_strides=(1, 1, 2, 2),
        temporal_strides=(1, 2, 2, 2),
        inflate=(1, 1, 1, 1),
        conv_cfg=dict(type='Conv2plus1d'),
        norm_cfg=dict(type='BN3d', requires_grad=True, eps=1e-3),
        act_cfg=dict(type='ReLU', inplace=True),
        norm_eval=False,
        zero_init_residual=False))
