"""Export the encoder of a PRP checkpoint as a backbone-only checkpoint.

Finetuning can start from a PRP checkpoint in two ways:

* ``--cfg-options load_from=PRP_CHECKPOINT``: the whole checkpoint is loaded
  non-strictly; its ``backbone.*`` weights load, the pretext heads are
  reported as unexpected keys.
* ``--cfg-options model.backbone.pretrained=BACKBONE_FILE`` with the file
  this tool writes (encoder weights only, keys without ``backbone.``).

A backbone without BatchNorm (MMAction2's stock C3D, ``norm_cfg=None``)
drops the BN tensors of a PRP encoder: the tool warns, naming them.
``--fold-bn`` folds each BN into the conv in front of it (weights scaled,
a conv bias added), which such a backbone loads entirely; in eval mode its
outputs equal the BN encoder's. It refuses encoders whose BN layers are not
MMCV ConvModule ``conv -> bn`` pairs (R(2+1)D's factorised convolutions),
naming the layers.

Usage::

    python tools/export_backbone.py PRP_CHECKPOINT OUT_FILE [--fold-bn]
"""
import argparse
import sys
from pathlib import Path

import torch
from mmengine.runner.checkpoint import CheckpointLoader

import mmprp  # noqa: F401  (safe local checkpoint loading)
from mmprp.engine import plain_data
from mmprp.utils import (extract_backbone_state_dict, fold_batch_norms,
                         no_bn_target_warning)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('checkpoint', help='PRP pretraining checkpoint')
    parser.add_argument('out', type=Path, help='backbone-only output file')
    parser.add_argument(
        '--fold-bn',
        action='store_true',
        help='fold every BatchNorm into the conv in front of it, for a '
        'backbone without BN (e.g. MMAction2\'s stock C3D)')
    parser.add_argument(
        '--bn-eps',
        type=float,
        default=1e-5,
        help='eps of the BatchNorm layers, used by --fold-bn (default: '
        '1e-5, every shipped config)')
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    checkpoint = CheckpointLoader.load_checkpoint(args.checkpoint, 'cpu')
    source_meta = checkpoint.get('meta', {})
    if not isinstance(source_meta, dict):
        raise SystemExit(
            f'export_backbone: {args.checkpoint}: its meta is a '
            f'{type(source_meta).__name__}, not a dict (not a checkpoint '
            f'written by mmengine or mmprp)')
    meta = dict(source_meta, source=str(args.checkpoint))
    try:
        backbone = extract_backbone_state_dict(checkpoint)
        if args.fold_bn:
            backbone = fold_batch_norms(backbone, args.bn_eps)
            meta.update(bn_folded=True, bn_eps=args.bn_eps)
    except ValueError as error:
        raise SystemExit(f'export_backbone: {args.checkpoint}: {error}')
    warning = '' if args.fold_bn else no_bn_target_warning(backbone)
    if warning:
        print(warning, file=sys.stderr)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    # numpy values in the source's meta would need mmprp to load
    torch.save(
        dict(meta=plain_data(meta, 'meta'), state_dict=backbone), args.out)
    folded = ' (BatchNorm folded into the convs)' if args.fold_bn else ''
    print(f'wrote {len(backbone)} backbone tensors{folded} to {args.out}')


if __name__ == '__main__':
    main()
