"""Overlay encoder activation maps on video frames, one column per model.

For each VIDEO a centred 16-frame clip at playback rate 1 (the config's
resize and crop) goes through each model's encoder; the map is summarised
over channels and time and overlaid on the clip's middle frame::

    python tools/visualize_activations.py CONFIG CHECKPOINT VIDEO [VIDEO ...] \
        --out activations.png
    # PRP next to a random initialisation ('none'), labelled
    python tools/visualize_activations.py configs/prp/prp_c3d_ucf101.py \
        VIDEO [VIDEO ...] --checkpoint PRP.pth --checkpoint none \
        --labels PRP random --out activations.png
"""
import argparse
from pathlib import Path
from typing import List, Optional

from mmengine.config import DictAction

from mmprp.apis import load_config
from mmprp.visualization.activations import REDUCTIONS, visualize_activations


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split('\n')[0],
        usage='%(prog)s CONFIG [CHECKPOINT] VIDEO [VIDEO ...] --out PNG '
        '[--checkpoint CKPT ...] [--labels LABEL ...]')
    parser.add_argument('config', help='config of the model and pipeline')
    parser.add_argument(
        'videos',
        nargs='+',
        metavar='[CHECKPOINT] VIDEO',
        help='CHECKPOINT then the videos; without CHECKPOINT when '
        '--checkpoint is given. "none" is a random initialisation')
    parser.add_argument(
        '--out', type=Path, required=True, dest='out_png', help='output PNG')
    parser.add_argument(
        '--checkpoint',
        action='append',
        dest='checkpoints',
        help='a checkpoint or "none"; repeat to compare')
    parser.add_argument(
        '--labels', nargs='+', help='one column title per checkpoint')
    parser.add_argument(
        '--reduction',
        choices=REDUCTIONS,
        default=REDUCTIONS[0],
        help='channel summary (default: mean-abs)')
    parser.add_argument(
        '--clip-len',
        type=int,
        default=16,
        help='frames of the clip (default: 16)')
    parser.add_argument(
        '--seed',
        type=int,
        default=0,
        help='seed of random initialisations (default: 0)')
    parser.add_argument('--device', default='cpu', help='default: cpu')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config keys, as in tools/train.py')
    args = parser.parse_args(argv)
    checkpoints = args.checkpoints
    if checkpoints is None:
        checkpoints, args.videos = args.videos[:1], args.videos[1:]
    if not args.videos:
        parser.error('no video given')
    args.checkpoints = [
        None if c.lower() == 'none' else c for c in checkpoints
    ]
    return args


def main(argv: Optional[List[str]] = None) -> None:
    args = parse_args(argv)
    options = dict(
        vars(args), config=load_config(args.config, args.cfg_options))
    del options['cfg_options']
    visualize_activations(**options)
    print(f'wrote {args.out_png}')


if __name__ == '__main__':
    main()
