# C3D of PRP (paper §4.1, the authors' code): MMAction2 C3D's conv layers with
# BN, returning the conv5b map (512x2x7x7 for 3x16x112x112). Finetuning with
# the stock C3D needs the same norm: `norm_cfg=dict(type='BN3d')`.
encoder = dict(type='C3DEncoder', base_channels=64)
