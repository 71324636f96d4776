# finetune-stock_i3d-r50_ucf101_split1.py on the official HMDB51 split 1 (51
# classes): training on its train list less 400 held-out videos, validation
# (checkpoint selection) on those, testing on its official test list.
# MMAction2 1.x ships no RGB HMDB51 recipe, so the UCF101 one is reused;
# as in the paper, start from the UCF101-pretrained encoder (load_from=).
_base_ = ['./finetune-stock_i3d-r50_ucf101_split1.py']
split = 1
data_root = 'data/hmdb51/videos'
model = dict(cls_head=dict(num_classes=51))
train_dataloader = dict(
    dataset=dict(
        ann_file=f'data/hmdb51/hmdb51_prp_train_split_{split}_videos.txt',
        data_prefix=dict(video=data_root)))
val_dataloader = dict(
    dataset=dict(
        ann_file=f'data/hmdb51/hmdb51_prp_val_split_{split}_videos.txt',
        data_prefix=dict(video=data_root)))
test_dataloader = dict(
    dataset=dict(
        ann_file=f'data/hmdb51/hmdb51_val_split_{split}_videos.txt',
        data_prefix=dict(video=data_root)))
