# R(2+1)D-18 as in VCOP/PRP (paper §4.1, the authors' R2Plus1DNet((1, 1, 1,
# 1))): MMAction2's ResNet3d with every 3D conv factorised by mmprp's
# FactorisedConv3d ((1,k,k) -> BN -> ReLU -> (k,1,1), middle width from the
# conv's own kernel: 83 in the stem, 42/85/170 in the 1x1x1 shortcuts), BN eps
# 1e-5, ONE basic block per stage, a 3x7x7 stride-(1,2,2) stem and no stem
# pooling (stage 2 runs at 16x56x56), stride 2 in T,H,W at stages 3-5: a
# 3x16x112x112 clip gives 512x2x7x7 (14.4 M params, 21.4 GMAC per clip).
# MMAction2's ResNet2Plus1d differs: it always pools after the stem and
# computes every middle width with t=3.
_base_ = ['./r3d18.py']
encoder = dict(conv_cfg=dict(type='FactorisedConv3d'))
