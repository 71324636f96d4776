# Ablation (paper Table 1): discriminative perception only, rates S = (1, 2, 4,
# 8, 16), C3D on UCF101 split 1. Paper: UCF101 finetune 67.9, rate accuracy
# 60.1.
_base_ = ['../prp_c3d_ucf101.py']
rates = (1, 2, 4, 8, 16)
# The rate loss is the only loss here: weight 1, not the full method's
# lambda_d = 0.1. That 0.1 balances it against the reconstruction loss
# (lambda_g = 1). Kept alone it would not merely scale the learning rate: SGD
# adds weight decay (5e-4) to the gradient, so a loss weight of 0.1 equals
# lr x 0.1 with weight decay x 10. Weight 1 trains with the recipe's lr and
# weight decay as they are (docs/pretraining.md).
model = dict(
    rate_head=dict(num_classes=len(rates), loss_cls=dict(loss_weight=1.0)),
    decoder=None)
train_dataloader = dict(
    dataset=dict(pipeline=[
        dict(step, rates=rates, attention=None) if step['type'] ==
        'PlaybackRateSampler' else step for step in _base_.train_pipeline
    ]))
val_dataloader = dict(
    dataset=dict(pipeline=[
        dict(step, rates=rates, attention=None) if step['type'] ==
        'PlaybackRateSampler' else step for step in _base_.val_pipeline
    ]))
test_dataloader = val_dataloader
