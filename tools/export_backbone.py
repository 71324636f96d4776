"""Export the encoder of a PRP checkpoint as a backbone-only checkpoint.

Finetuning can start from a PRP checkpoint in two ways:

* ``--cfg-options load_from=PRP_CHECKPOINT``: the whole checkpoint is loaded
  non-strictly; its ``backbone.*`` weights load, the pretext heads are
  reported as unexpected keys.
* ``--cfg-options model.backbone.pretrained=BACKBONE_FILE`` with the file
  this tool writes (encoder weights only, keys without ``backbone.``).

Usage::

    python tools/export_backbone.py PRP_CHECKPOINT OUT_FILE
"""
import argparse
from pathlib import Path

import torch
from mmengine.runner.checkpoint import CheckpointLoader

import mmprp  # noqa: F401  (safe local checkpoint loading)
from mmprp.engine import plain_data
from mmprp.utils import extract_backbone_state_dict


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('checkpoint', help='PRP pretraining checkpoint')
    parser.add_argument('out', type=Path, help='backbone-only output file')
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    checkpoint = CheckpointLoader.load_checkpoint(args.checkpoint, 'cpu')
    try:
        backbone = extract_backbone_state_dict(checkpoint)
    except ValueError as error:
        raise SystemExit(f'export_backbone: {args.checkpoint}: {error}')
    args.out.parent.mkdir(parents=True, exist_ok=True)
    # numpy values in the source's meta would need mmprp to load
    meta = plain_data(
        dict(source=str(args.checkpoint), **checkpoint.get('meta', {})),
        'meta')
    torch.save(dict(meta=meta, state_dict=backbone), args.out)
    print(f'wrote {len(backbone)} backbone tensors to {args.out}')


if __name__ == '__main__':
    main()
