# Ablation (paper Tables 1-2, last row): discriminative + generative
# perception, S = (1, 2, 4, 8), r = 2, motion attention: the full method,
# identical to configs/prp/prp_c3d_ucf101.py. Paper: UCF101 finetune 70.9.
_base_ = ['../prp_c3d_ucf101.py']
