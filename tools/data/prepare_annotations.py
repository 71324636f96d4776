"""Write the UCF101 or HMDB51 annotation lists of MMAction2 and PRP
pretraining from the official split files.

Every listed video is opened and a sample of its frames decoded as training
does, in a child process; the missing, unusable and too short ones are left
out of every list and named in a report (or, with ``--strict``, the run
fails naming them). Example, from the repository root (these are UCF101's
defaults; see ``tools/data/ucf101/README.md`` and
``tools/data/hmdb51/README.md``)::

    python tools/data/prepare_annotations.py ucf101 \\
        --split-dir data/ucf101/ucfTrainTestlist \\
        --video-dir data/ucf101/videos --out-dir data/ucf101 --num-val 800
"""
import argparse
from pathlib import Path
from typing import List, Optional

from mmprp.datasets.preparation import (DATASETS, check_videos, read_splits,
                                        unique_videos, write_dataset_lists)
from mmprp.datasets.preparation.annotation_lists import REPORT_FILE


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    """Parse the command line; a dataset's defaults fill what is not given.

    Args:
        argv (list[str], optional): Arguments; defaults to ``sys.argv``.

    Returns:
        argparse.Namespace: The parsed arguments, ``dataset`` a
        :class:`~mmprp.datasets.preparation.DatasetFormat`.
    """
    parser = argparse.ArgumentParser(
        description=__doc__.split('\n\n')[0].replace('\n', ' '))
    parser.add_argument(
        'dataset',
        choices=sorted(DATASETS),
        help='the dataset: its defaults below are data/<dataset>/...')
    parser.add_argument(
        '--split-dir',
        help='folder of the official split files (default: '
        + ', '.join(f'{name}: {dataset.split_dir} ({dataset.split_files})'
                    for name, dataset in DATASETS.items()) + ')')
    parser.add_argument(
        '--video-dir',
        help='folder of the class folders of videos (default: '
        'data/<dataset>/videos)')
    parser.add_argument(
        '--out-dir',
        help='where the lists and the report go (default: data/<dataset>)')
    parser.add_argument(
        '--num-val',
        type=int,
        help='train videos held out for PRP validation (default: '
        + ', '.join(f'{name}: {dataset.num_val}'
                    for name, dataset in DATASETS.items()) + ')')
    parser.add_argument(
        '--seed', type=int, default=0, help='seed of the hold-out')
    parser.add_argument(
        '--splits',
        type=int,
        nargs='+',
        default=[1, 2, 3],
        help='official splits to convert (default: 1 2 3)')
    parser.add_argument(
        '--min-frames',
        type=int,
        default=0,
        help='also leave out videos with fewer frames (default: 0, none)')
    parser.add_argument(
        '--sample-frames',
        type=int,
        default=8,
        help='frames decoded per video, spread from the first to the last; '
        '0 decodes every frame (default: %(default)s)')
    parser.add_argument(
        '--strict',
        action='store_true',
        help='fail naming the missing, unusable or too short videos '
        'instead of leaving them out')
    args = parser.parse_args(argv)
    args.dataset = DATASETS[args.dataset]
    data_dir = f'data/{args.dataset.name}'
    args.split_dir = args.split_dir or args.dataset.split_dir
    args.video_dir = args.video_dir or f'{data_dir}/videos'
    args.out_dir = args.out_dir or data_dir
    if args.num_val is None:
        args.num_val = args.dataset.num_val
    return args


def prepare_annotations(args: argparse.Namespace) -> None:
    """Check the videos, write the lists and the report, print a summary.

    Args:
        args (argparse.Namespace): As :func:`parse_args` returns.

    Raises:
        OSError: If a split file cannot be read or an output written.
        ValueError: On a malformed split file, an invalid ``--num-val``, or
            with ``--strict`` a video that is missing, unusable or too
            short.
    """
    dataset = args.dataset
    splits = read_splits(dataset.read_split, args.split_dir, args.splits)
    report = check_videos(
        args.video_dir,
        unique_videos(splits),
        args.min_frames,
        sample_frames=args.sample_frames)
    print(f'\n{report.summary()}')
    if args.strict and report.excluded:
        raise ValueError('--strict and some videos cannot be used:\n'
                         + '\n'.join(report.excluded_lines()))
    written = write_dataset_lists(args.out_dir, dataset.name, splits,
                                  args.num_val, args.seed, report.excluded)
    for path, count in written.items():
        print(f'wrote {path} ({count} videos)')
    report_file = Path(args.out_dir) / REPORT_FILE.format(prefix=dataset.name)
    print(f'wrote {report.write(report_file)}')
    if report.excluded:
        print(f'{len(report.excluded)} listed videos left out of every '
              f'list, named in {report_file}')


def main(argv: Optional[List[str]] = None) -> None:
    """Run the tool.

    Args:
        argv (list[str], optional): Arguments; defaults to ``sys.argv``.

    Raises:
        SystemExit: With the message of any error of
            :func:`prepare_annotations`.
    """
    args = parse_args(argv)
    try:
        prepare_annotations(args)
    except (OSError, ValueError) as error:
        raise SystemExit(f'error: {error}') from None


if __name__ == '__main__':
    main()
