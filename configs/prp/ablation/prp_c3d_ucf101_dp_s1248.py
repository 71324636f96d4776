# Ablation (paper Table 1): discriminative perception only, rates S = (1, 2, 4,
# 8), C3D on UCF101 split 1. Paper: UCF101 finetune 69.9, rate accuracy 69.7.
# The other DP rows change only prp.rates of this config.
_base_ = ['../prp_c3d_ucf101.py']
# No decoder, so no motion attention to sample
prp = dict(attention=None)
# The rate loss is the only loss here: weight 1, not the full method's
# lambda_d = 0.1. That 0.1 balances it against the reconstruction loss
# (lambda_g = 1). Kept alone it would not merely scale the learning rate: SGD
# adds weight decay (5e-4) to the gradient, so a loss weight of 0.1 equals
# lr x 0.1 with weight decay x 10. Weight 1 trains with the recipe's lr and
# weight decay as they are (docs/pretraining.md).
model = dict(
    prp=prp, rate_head=dict(loss_cls=dict(loss_weight=1.0)), decoder=None)
train_dataloader = dict(dataset=dict(prp=prp))
val_dataloader = dict(dataset=dict(prp=prp))
test_dataloader = val_dataloader
