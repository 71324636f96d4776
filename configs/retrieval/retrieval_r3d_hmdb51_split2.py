# r3d_ucf101_split1.py on HMDB51 split 2.
_base_ = ['./retrieval_r3d_ucf101_split1.py']
split = 2
test_dataloader = dict(
    dataset=dict(
        ann_file=f'data/hmdb51/hmdb51_train_split_{split}_videos.txt',
        query_ann_file=f'data/hmdb51/hmdb51_val_split_{split}_videos.txt',
        data_prefix=dict(video='data/hmdb51/videos')))
