# PRP pretraining data on HMDB51 split 1 (400 train videos held out for
# validation by tools/data/hmdb51).
_base_ = ['./prp_ucf101.py']
data_root = 'data/hmdb51/videos'
split = 1
ann_file_train = f'data/hmdb51/hmdb51_prp_train_split_{split}_videos.txt'
ann_file_val = f'data/hmdb51/hmdb51_prp_val_split_{split}_videos.txt'
train_dataloader = dict(
    dataset=dict(ann_file=ann_file_train, data_prefix=dict(video=data_root)))
val_dataloader = dict(
    dataset=dict(ann_file=ann_file_val, data_prefix=dict(video=data_root)))
test_dataloader = val_dataloader
