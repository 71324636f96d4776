"""Save a randomly initialised model of a config as a checkpoint.

The paper's baseline rows evaluate an encoder that was never pretrained.
``tools/test.py`` always loads a checkpoint, so write one from the config's
own initialisation (seeded) and pass it like a PRP checkpoint::

    python tools/random_init_checkpoint.py CONFIG OUT_FILE [--seed 0]
    python tools/test.py configs/retrieval/c3d_ucf101_split1.py OUT_FILE
"""
import argparse
import logging
from pathlib import Path

import torch
from mmengine import Config
from mmengine.logging import MMLogger
from mmengine.registry import init_default_scope
from mmengine.runner import set_random_seed

import mmprp  # noqa: F401
from mmaction.registry import MODELS


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', help='config whose model to initialise')
    parser.add_argument('out', type=Path, help='output checkpoint file')
    parser.add_argument('--seed', type=int, default=0, help='random seed')
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    cfg = Config.fromfile(args.config)
    init_default_scope(cfg.get('default_scope', 'mmaction'))
    set_random_seed(args.seed)
    model = MODELS.build(cfg.model)
    # BaseModule.init_weights logs one INFO record per parameter
    MMLogger.get_instance('mmengine').setLevel(logging.WARNING)
    model.init_weights()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    meta = dict(config=str(args.config), seed=args.seed, random_init=True)
    torch.save(dict(meta=meta, state_dict=model.state_dict()), args.out)
    print(f'wrote a random initialisation of {args.config} '
          f'(seed {args.seed}) to {args.out}')


if __name__ == '__main__':
    main()
