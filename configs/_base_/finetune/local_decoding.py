# MMAction2's decord steps -> mmprp's for local files, kept in this one place
# for the stock-recipe finetuning configs, which rewrite their MMAction2
# pipelines with it (`dict(step, type=_base_.local_decoding[step['type']])`):
# OpenCVInitByPath opens each video once, with OpenCV, by path (frame count,
# frame rate; truncated files are refused with an error naming them, where
# decord crashes the process on truncated AVIs opened from memory, as
# DecordInit opens them); OpenCVForwardDecode decodes DecordDecode's frames
# from that capture, also right on MPEG-4 AVIs with B-frames, where decord's
# random access returns wrong frames (docs/upstream_defects.md, item 8).
# tests/configs/test_video_opening.py checks that no shipped config keeps a
# decord step.
local_decoding = dict(
    DecordInit='OpenCVInitByPath', DecordDecode='OpenCVForwardDecode')
