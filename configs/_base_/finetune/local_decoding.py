# MMAction2's decord steps -> mmprp's for local files, kept in this one place
# for the stock-recipe finetuning configs, which rewrite their MMAction2
# pipelines with it (`dict(step, type=_base_.local_decoding[step['type']])`):
# DecordInitByPath opens videos by path (decord crashes the process on
# truncated AVIs opened from memory, which is how DecordInit opens them; it
# refuses them with an error naming the file instead); OpenCVForwardDecode
# gives DecordDecode's frames, but right on MPEG-4 AVIs with B-frames, where
# decord's random access returns wrong frames (docs/upstream_defects.md,
# item 8). tests/configs/test_video_opening.py checks that no shipped config
# keeps DecordInit or DecordDecode.
local_decoding = dict(
    DecordInit='DecordInitByPath', DecordDecode='OpenCVForwardDecode')
