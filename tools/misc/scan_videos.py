"""List every video of an annotation list that PRP pretraining cannot use.

Every listed video is opened as training opens it (by path, decord) and a
sample of its frames, spread from the first to the last, is decoded in a
child process, so a video that crashes decord is reported instead of ending
the scan. Reported: missing files, unreadable files (empty, not a video),
truncated files (shorter than their AVI/MP4 container declares), corrupt
files (a frame fails to decode), frames too narrow for decord, files that
crash or hang decord, and videos too short for each playback rate's window
(clip_len x rate frames), so dirty data is found before a 300-epoch run
rather than during it::

    python tools/misc/scan_videos.py \
        data/ucf101/ucf101_prp_train_split_1_videos.txt \
        --video-dir data/ucf101/videos [--rates 1 2 4 8] [--clip-len 16] \
        [--delimiter ' '] [--sample-frames 8] [--report scan.txt]

Exits with status 1 when some video cannot be used at any rate.
"""
import argparse
import sys
from pathlib import Path

from mmprp.datasets.preparation.video_scan import scan_video_list


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('ann_file', help='MMAction2 video list')
    parser.add_argument(
        '--video-dir',
        required=True,
        help='folder the list\'s paths are relative to')
    parser.add_argument(
        '--rates',
        type=int,
        nargs='+',
        default=[1, 2, 4, 8],
        help='playback rates (default: 1 2 4 8)')
    parser.add_argument(
        '--clip-len',
        type=int,
        default=16,
        help='frames per clip (default: 16)')
    parser.add_argument(
        '--delimiter',
        default=' ',
        help='field delimiter of the list, as the dataset\'s '
        '`delimiter` (default: a space; use e.g. "," for '
        'file names with spaces)')
    parser.add_argument(
        '--sample-frames',
        type=int,
        default=8,
        help='frames decoded per video, spread from the '
        'first to the last; 0 decodes every frame (slow) '
        '(default: 8)')
    parser.add_argument(
        '--no-progress',
        dest='progress',
        action='store_false',
        help='no progress bar')
    parser.add_argument(
        '--report', type=Path, help='also write the report to this file')
    return parser.parse_args()


def main() -> int:
    args = parse_args()
    try:
        scan = scan_video_list(args.ann_file, args.video_dir, args.rates,
                               args.clip_len, args.progress, args.delimiter,
                               args.sample_frames)
    except (ValueError, FileNotFoundError) as error:
        print(f'error: {error}', file=sys.stderr)
        return 2
    text = scan.format()
    print(f'\n{text}')
    if args.report:
        args.report.write_text(text + '\n')
    return 1 if scan.unusable else 0


if __name__ == '__main__':
    sys.exit(main())
