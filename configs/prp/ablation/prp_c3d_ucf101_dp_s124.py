# Ablation (paper Table 1): discriminative perception only, rates
# S = (1, 2, 4), C3D on UCF101 split 1.
# Paper: UCF101 finetune 68.7, rate accuracy 80.1.
_base_ = ['./prp_c3d_ucf101_dp_s1248.py']
prp = dict(rates=(1, 2, 4))
# mmengine merges each of these dicts into its parent's: the model and both
# datasets take the changed protocol, the other settings stay.
model = dict(prp=prp)
train_dataloader = dict(dataset=dict(prp=prp))
val_dataloader = dict(dataset=dict(prp=prp))
test_dataloader = val_dataloader
