"""Draw PRP's motion attention over the reconstruction target of a video.

Samples VIDEO with the config's validation pipeline (the playback-rate
sampler in test mode: fixed rate per video, centred window) and draws
evenly spaced input-clip frames, the target frames with the motion
attention overlaid (real or interpolated, with raw frame indices) and, with
a checkpoint, the decoder's reconstruction and the predicted rate::

    python tools/visualize_motion_attention.py configs/prp/prp_c3d_ucf101.py \
        data/ucf101/videos/Biking/v_Biking_g01_c01.avi --out attention.png \
        [--rate 4] [--seed 0] [--checkpoint PRP.pth] [--num-frames 8] \
        [--cfg-options KEY=VALUE ...]
"""
import argparse
from pathlib import Path
from typing import List, Optional

from mmengine.config import DictAction

from mmprp.apis import load_config
from mmprp.visualization.motion_attention import visualize_motion_attention


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', help='PRP config')
    parser.add_argument('video', type=Path, help='video file')
    parser.add_argument(
        '--out', type=Path, required=True, dest='out_png', help='output PNG')
    parser.add_argument(
        '--rate',
        type=int,
        help='force this playback rate (one of the config\'s)')
    parser.add_argument(
        '--seed',
        type=int,
        help='draw the window (and the rate, unless --rate) '
        'at random like the training sampler, seeded')
    parser.add_argument(
        '--checkpoint',
        type=Path,
        help='PRP checkpoint: adds the decoder output and the '
        'predicted rate (the attention needs no weights)')
    parser.add_argument(
        '--num-frames',
        type=int,
        default=8,
        help='frames per row (default: 8)')
    parser.add_argument('--device', default='cpu', help='default: cpu')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config keys, as in tools/train.py')
    return parser.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> None:
    args = parse_args(argv)
    options = dict(
        vars(args), config=load_config(args.config, args.cfg_options))
    del options['cfg_options']
    views = visualize_motion_attention(**options)
    print(f'wrote {args.out_png} (playback rate {views.playback_rate}, '
          f'reconstruction rate {views.recon_rate})')


if __name__ == '__main__':
    main()
