# Ablation (paper Table 1): discriminative perception only, rates S = (1, 2, 4, 8, 16),
# C3D on UCF101 split 1. Paper: UCF101 finetune 67.9, rate accuracy 60.1.
_base_ = ['../prp_c3d_ucf101.py']
rates = (1, 2, 4, 8, 16)
model = dict(rate_head=dict(num_classes=len(rates)), decoder=None)
train_dataloader = dict(dataset=dict(pipeline=[
    dict(step, rates=rates, attention=None)
    if step['type'] == 'PlaybackRateSampler' else step
    for step in _base_.train_pipeline
]))
val_dataloader = dict(dataset=dict(pipeline=[
    dict(step, rates=rates, attention=None)
    if step['type'] == 'PlaybackRateSampler' else step
    for step in _base_.val_pipeline
]))
test_dataloader = val_dataloader
