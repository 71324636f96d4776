# PRP pretraining data on Kinetics-400 in MMAction2's layout (its K400
# recognition configs use the same paths): lists of "relative/path.mp4 label"
# lines, videos under videos_train/ and videos_val/. Labels are not used.
# The pipeline is the UCF101 one; the official val split is PRP's validation
# set (the pretext loss that picks the best checkpoint).
_base_ = ['./prp_ucf101.py']
data_root = 'data/kinetics400/videos_train'
data_root_val = 'data/kinetics400/videos_val'
ann_file_train = 'data/kinetics400/kinetics400_train_list_videos.txt'
ann_file_val = 'data/kinetics400/kinetics400_val_list_videos.txt'
# 16 clips per GPU (the UCF101 configs: 8 on one GPU)
train_dataloader = dict(
    batch_size=16,
    dataset=dict(ann_file=ann_file_train, data_prefix=dict(video=data_root)))
val_dataloader = dict(
    batch_size=16,
    dataset=dict(ann_file=ann_file_val, data_prefix=dict(video=data_root_val)))
test_dataloader = val_dataloader
