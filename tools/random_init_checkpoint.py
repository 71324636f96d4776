"""Save a randomly initialised model of a config as a checkpoint.

The paper's baseline rows evaluate an encoder that was never pretrained.
``tools/test.py`` always loads a checkpoint, so write one from the config's
own initialisation (seeded) and pass it like a PRP checkpoint::

    python tools/random_init_checkpoint.py CONFIG OUT_FILE [--seed 0] \
        [--cfg-options ...]
    python tools/test.py \
        configs/retrieval/retrieval_c3d_ucf101_split1.py OUT_FILE
"""
import argparse
from pathlib import Path

from mmengine.config import DictAction

from mmprp.apis import load_config
from mmprp.utils import save_random_init_checkpoint


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', help='config whose model to initialise')
    parser.add_argument('out', type=Path, help='output checkpoint file')
    parser.add_argument('--seed', type=int, default=0, help='random seed')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config keys, as in tools/train.py')
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    config = load_config(args.config, args.cfg_options)
    save_random_init_checkpoint(config, args.out, args.seed)
    print(f'wrote a random initialisation of {args.config} '
          f'(seed {args.seed}) to {args.out}')


if __name__ == '__main__':
    main()
