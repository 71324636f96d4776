"""Plot PRP training curves from mmengine work dirs.

Reads ``vis_data/scalars.json`` of the latest run under each WORK_DIR and
draws training loss_rate / loss_recon per iteration (and epoch means) and
validation pretext/loss / pretext/rate_acc per epoch::

    python tools/analysis_tools/plot_training_curves.py \
        work_dirs/prp_c3d_ucf101 [work_dirs/other ...] --out curves.png \
        [--labels PRP other] [--chance 0.25]
"""
import argparse
from pathlib import Path
from typing import List, Optional

from mmprp.visualization.training_curves import plot_work_dirs


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument(
        'work_dirs',
        nargs='+',
        type=Path,
        help='mmengine work dirs (or run folders)')
    parser.add_argument('--out', type=Path, required=True, help='output PNG')
    parser.add_argument(
        '--labels', nargs='+', help='one legend label per work dir')
    parser.add_argument(
        '--chance',
        type=float,
        default=0.25,
        help='chance rate accuracy, 1/len(rates) '
        '(default: 0.25)')
    return parser.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> None:
    args = parse_args(argv)
    runs = plot_work_dirs(args.work_dirs, args.out, args.labels, args.chance)
    for label, curves in runs.items():
        print(f'{label}: ' + ', '.join(map(str, curves.sources)))
    print(f'wrote {args.out}')


if __name__ == '__main__':
    main()
