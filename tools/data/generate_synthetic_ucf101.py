"""Write a synthetic action-video dataset in UCF101's layout.

Example::

    python tools/data/generate_synthetic_ucf101.py data/synthetic_ucf101 \\
        --num-classes 10 --seed 0
"""
import argparse
from typing import List, Optional

from mmprp.testing import (APPEARANCES, MOTIONS, OBJECT_SIZE,
                           generate_synthetic_ucf101)


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    """Parse the command line.

    Args:
        argv (list[str], optional): Arguments; defaults to ``sys.argv``.

    Returns:
        argparse.Namespace: The parsed arguments.
    """
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('out_dir', help='output folder')
    parser.add_argument(
        '--num-classes',
        type=int,
        default=10,
        help=f'number of motion classes (at most {len(MOTIONS)})')
    parser.add_argument(
        '--groups-per-class',
        type=int,
        default=6,
        help='groups per class (at least 3, cut into 3 test folds)')
    parser.add_argument(
        '--held-out-groups',
        type=int,
        default=0,
        help='groups per class added on every train list and no test list, '
        'listed in ucf101_prp_val_split_K_videos.txt (the other train videos '
        'in ucf101_prp_train_split_K_videos.txt); default: 0, no PRP lists')
    parser.add_argument(
        '--clips-per-group', type=int, default=2, help='videos per group')
    parser.add_argument(
        '--num-frames',
        type=int,
        nargs=2,
        default=(140, 200),
        metavar=('MIN', 'MAX'),
        help='inclusive range of frames per video')
    parser.add_argument(
        '--frame-size',
        type=int,
        nargs=2,
        default=(128, 160),
        metavar=('H', 'W'),
        help='frame height and width (even)')
    parser.add_argument(
        '--object-size',
        type=float,
        nargs=2,
        default=OBJECT_SIZE,
        metavar=('MIN', 'MAX'),
        help='range of the object\'s largest side as a fraction of the '
        'frame\'s shorter side, within (0, 0.5] (the demo: 0.3 0.45)')
    parser.add_argument(
        '--appearance',
        choices=APPEARANCES,
        default='textured',
        help='textured objects over textured backgrounds; flat: one colour '
        'per object and per group\'s background; grey: light grey objects '
        'over dark grey')
    parser.add_argument('--fps', type=float, default=25, help='frame rate')
    parser.add_argument('--seed', type=int, default=0, help='random seed')
    return parser.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> None:
    """Generate the dataset and print where it was written.

    Args:
        argv (list[str], optional): Arguments; defaults to ``sys.argv``.

    Raises:
        SystemExit: With the message of an invalid argument.
    """
    args = parse_args(argv)
    try:
        dataset = generate_synthetic_ucf101(
            args.out_dir,
            num_classes=args.num_classes,
            groups_per_class=args.groups_per_class,
            clips_per_group=args.clips_per_group,
            num_frames=args.num_frames,
            frame_size=args.frame_size,
            fps=args.fps,
            seed=args.seed,
            object_size=args.object_size,
            appearance=args.appearance,
            held_out_groups=args.held_out_groups)
    except ValueError as error:
        raise SystemExit(f'error: {error}') from None
    print(f'\n{len(dataset.frame_counts)} videos of '
          f'{len(dataset.class_names)} classes in {dataset.video_dir}')
    print(f'official split files in {dataset.split_dir}')
    for split, (train, val) in dataset.ann_files.items():
        print(f'split {split}: {train}, {val}')
    for split, (prp_train, prp_val) in dataset.prp_ann_files.items():
        print(f'split {split}, held-out groups: {prp_train}, {prp_val}')


if __name__ == '__main__':
    main()
