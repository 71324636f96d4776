"""What the authors' (PIL) resampling changes on retrieval features.

The PRP and VCOP authors resize frames with PIL's bilinear filter, which
antialiases when shrinking; mmprp's configs resize with OpenCV's, which does
not. ``tools/reproduce_paper.py --from-authors`` therefore decodes with
``OpenCVForwardDecode(backend='pillow')``. This script measures how far the
two resamplings move the retrieval features: synthetic textured videos
(``generate_synthetic_ucf101``, 320x240 like UCF101) go through the
retrieval test pipeline of ``configs/retrieval/retrieval_c3d_ucf101_split1.py``
with each backend, and one C3D encoder with random weights (eval mode)
encodes both. It prints the pixel difference of the cropped clips and the
cosine similarity and relative L2 difference of each video's features, with
the cosine similarity between different videos' features for scale.

Random weights on synthetic videos, not the authors' released weights
(which cannot be downloaded on this project's machines): the numbers say
how much the resampling moves a C3D's features, not what it changes in the
paper's retrieval accuracy. Run from the repository root::

    python -m benchmarks.authors_pixels [--quick] [--videos N] [--clips M]
                                        [--seed S] [--json PATH]
"""
import tempfile
from pathlib import Path
from typing import Dict, List, Tuple

import numpy as np
import torch
import torch.nn.functional as F
from mmaction.registry import MODELS
from mmengine.dataset import pseudo_collate

from .common import (REPO_ROOT, base_parser, build_pipeline, format_table,
                     load_config, make_videos, pipeline_input, quiet_notices,
                     write_json)

RETRIEVAL_CONFIG = (
    REPO_ROOT / 'configs' / 'retrieval' / 'retrieval_c3d_ucf101_split1.py')
BACKENDS = ('cv2', 'pillow')
FRAME_SIZE = (240, 320)  # (height, width), UCF101's


def backend_pipeline(pipeline: List[dict], backend: str, num_clips: int):
    """The retrieval test pipeline with ``num_clips`` clips per video and
    the decode step resizing with ``backend``."""
    steps = []
    for step in pipeline:
        if step['type'] == 'SampleFrames':
            step = dict(step, num_clips=num_clips)
        elif step['type'] == 'OpenCVForwardDecode':
            step = dict(step, backend=backend)
        steps.append(step)
    return build_pipeline(steps)


def run_measurement(num_videos: int = 4,
                    num_clips: int = 2,
                    seed: int = 0,
                    frame_size: Tuple[int, int] = FRAME_SIZE) -> Dict:
    """Decode each video both ways, encode both with one random C3D.

    Args:
        num_videos (int): Synthetic videos. Defaults to 4.
        num_clips (int): Clips per video (the config's 10 is slow on a
            CPU). Defaults to 2.
        seed (int): Seed of the videos and of the weights. Defaults to 0.
        frame_size (tuple[int, int]): ``(height, width)`` of the videos.

    Returns:
        dict: ``pixels`` (mean and max absolute difference in grey levels
        of the uint8 clips), ``cosine`` and ``relative_l2`` (per video:
        PIL features against OpenCV features), ``cosine_between_videos``
        and ``relative_l2_between_videos`` (the same between different
        videos' OpenCV features, mean over the pairs: the scale of a
        difference that matters to retrieval) and the ``settings``.
    """
    cfg = load_config(RETRIEVAL_CONFIG)
    torch.manual_seed(seed)
    model = MODELS.build(cfg.model)
    model.init_weights()
    model.eval()
    pipelines = {
        backend: backend_pipeline(cfg.test_pipeline, backend, num_clips)
        for backend in BACKENDS
    }
    with tempfile.TemporaryDirectory() as folder:
        videos = make_videos(
            Path(folder),
            num_videos,
            frame_size,
            num_frames=(60, 80),
            seed=seed)
        inputs = {
            backend:
            [pipeline(pipeline_input(video.filename)) for video in videos]
            for backend, pipeline in pipelines.items()
        }
    pixels = torch.stack([(pil['inputs'].int() - cv['inputs'].int()).abs()
                          for cv, pil in zip(inputs['cv2'], inputs['pillow'])
                          ]).float()
    features = {
        backend: encode(model, packed)
        for backend, packed in inputs.items()
    }
    cv, pil = features['cv2'], features['pillow']
    cosine = F.cosine_similarity(cv, pil, dim=1)
    relative = (pil - cv).norm(dim=1) / cv.norm(dim=1)
    between = F.cosine_similarity(cv[:, None], cv[None], dim=2)
    relative_between = (cv[:, None]
                        - cv[None]).norm(dim=2) / cv.norm(dim=1)[:, None]
    pairs = ~torch.eye(len(videos), dtype=torch.bool)
    return dict(
        pixels=dict(mean=pixels.mean().item(), max=pixels.max().item()),
        cosine=cosine.tolist(),
        relative_l2=relative.tolist(),
        cosine_between_videos=between[pairs].mean().item(),
        relative_l2_between_videos=relative_between[pairs].mean().item(),
        settings=dict(
            videos=num_videos,
            clips=num_clips,
            seed=seed,
            frame_size=list(frame_size),
            config=str(RETRIEVAL_CONFIG.relative_to(REPO_ROOT)),
            weights='random (C3D init_weights, eval mode)'))


@torch.no_grad()
def encode(model: torch.nn.Module, packed: List[Dict]) -> torch.Tensor:
    """The retrieval features of packed samples, (N, D)."""
    data = model.data_preprocessor(pseudo_collate(packed), False)
    return model(data['inputs'], data['data_samples'], mode='tensor')


def report(results: Dict) -> str:
    """The results as a table."""
    cosine = np.array(results['cosine'])
    relative = np.array(results['relative_l2'])
    rows = [
        ('pixels |PIL - OpenCV| (grey levels)',
         f"{results['pixels']['mean']:.2f}",
         f"{results['pixels']['max']:.0f}"),
        ('features cosine(PIL, OpenCV)', f'{cosine.mean():.5f}',
         f'min {cosine.min():.5f}'),
        ('features |PIL - OpenCV| / |OpenCV|', f'{relative.mean():.4f}',
         f'{relative.max():.4f}'),
        ('cosine between different videos',
         f"{results['cosine_between_videos']:.5f}", ''),
        ('|A - B| / |A| between different videos',
         f"{results['relative_l2_between_videos']:.4f}", ''),
    ]
    settings = results['settings']
    title = (f"{settings['videos']} synthetic videos "
             f"{settings['frame_size'][1]}x{settings['frame_size'][0]}, "
             f"{settings['clips']} clips each, {settings['weights']}")
    return title + '\n' + format_table(('', 'mean', 'max'), rows)


def main() -> None:
    """Parse the command line, measure, print (and write) the results."""
    parser = base_parser(
        __doc__.split('\n')[0], 'one video, one clip (a smoke run)')
    parser.add_argument('--videos', type=int, default=4)
    parser.add_argument('--clips', type=int, default=2)
    args = parser.parse_args()
    quiet_notices()
    if args.quick:
        args.videos, args.clips = 2, 1
    results = run_measurement(args.videos, args.clips, args.seed)
    print(report(results))
    write_json(args.json, results)


if __name__ == '__main__':
    main()
