# Ablation (paper Table 2): generative perception only, reconstruction rate
# r = 2, motion-attention MSE, rates S = (1, 2, 4, 8), C3D on UCF101
# split 1. Paper: UCF101 finetune 68.2.
_base_ = ['../prp_c3d_ucf101.py']
recon_rate = 2
attention = 'sparse'
# The reconstruction loss is the only loss: weight 1 (lambda_g of the full
# method, the _base_ value), as every single-loss ablation.
model = dict(
    rate_head=None, decoder=dict(recon_rate=recon_rate, attention=attention))
train_dataloader = dict(
    dataset=dict(pipeline=[
        dict(step, recon_rate=recon_rate, attention=attention
             ) if step['type'] == 'PlaybackRateSampler' else step
        for step in _base_.train_pipeline
    ]))
val_dataloader = dict(
    dataset=dict(pipeline=[
        dict(step, recon_rate=recon_rate, attention=attention
             ) if step['type'] == 'PlaybackRateSampler' else step
        for step in _base_.val_pipeline
    ]))
test_dataloader = val_dataloader
