# Ablation (paper Table 2): generative perception only, reconstruction rate
# r = 2, motion-attention MSE, rates S = (1, 2, 4, 8), C3D on UCF101
# split 1. Paper: UCF101 finetune 68.2. The other GP rows change one setting
# of prp.
_base_ = ['../prp_c3d_ucf101.py']
# The reconstruction loss is the only loss: weight 1 (lambda_g of the full
# method, the _base_ value), as every single-loss ablation.
model = dict(rate_head=None)
