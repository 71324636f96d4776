# R3D-18 as in VCOP/PRP (paper §4.1, the authors' code): MMAction2's ResNet3d
# with ONE basic block per stage, a 3x7x7 stride-(1,2,2) stem, no stem pooling,
# stride 2 in T,H,W at stages 3-5: a 3x16x112x112 clip gives 512x2x7x7 (14.4 M
# params). zero_init_residual=False: the authors do not zero the last BN of
# each block (MMAction2's default does); R3D and R(2+1)D (r21d18.py) share this
# setting. It matters only where the model's own init runs: the paper configs
# initialise the whole model with TorchLegacyInit instead.
encoder = dict(
    type='ResNet3d',
    depth=18,
    stage_blocks=(1, 1, 1, 1),
    pretrained=None,
    pretrained2d=False,
    conv1_kernel=(3, 7, 7),
    conv1_stride_t=1,
    pool1_stride_t=1,
    with_pool1=False,
    with_pool2=False,
    spatial_strides=(1, 2, 2, 2),
    temporal_strides=(1, 2, 2, 2),
    inflate=(1, 1, 1, 1),
    norm_eval=False,
    zero_init_residual=False)
