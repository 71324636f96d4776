# r21d_ucf101_split1.py on HMDB51 split 2 (51 classes; MMAction2 1.x ships
# no RGB HMDB51 recipe, so the UCF101 one is reused unchanged otherwise).
_base_ = ['./finetune-stock_r21d_ucf101_split1.py']
split = 2
data_root = 'data/hmdb51/videos'
model = dict(cls_head=dict(num_classes=51))
train_dataloader = dict(dataset=dict(
    ann_file=f'data/hmdb51/hmdb51_train_split_{split}_videos.txt',
    data_prefix=dict(video=data_root)))
val_dataloader = dict(dataset=dict(
    ann_file=f'data/hmdb51/hmdb51_val_split_{split}_videos.txt',
    data_prefix=dict(video=data_root)))
test_dataloader = val_dataloader
