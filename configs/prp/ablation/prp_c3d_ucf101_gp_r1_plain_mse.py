# Ablation (paper Table 2): generative perception only, reconstruction rate
# r = 1, plain MSE (w/o motion attention), rates S = (1, 2, 4, 8), C3D on
# UCF101 split 1. Paper: UCF101 finetune 67.1.
_base_ = ['./prp_c3d_ucf101_gp_r1.py']
prp = dict(attention=None)
# mmengine merges each of these dicts into its parent's: the model and both
# datasets take the changed protocol, the other settings stay.
model = dict(prp=prp)
train_dataloader = dict(dataset=dict(prp=prp))
val_dataloader = dict(dataset=dict(prp=prp))
test_dataloader = val_dataloader
