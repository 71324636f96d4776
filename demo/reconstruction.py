"""The generative branch of the demo: how well the decoder reconstructs.

The decoder's masked m-MSE on the test videos is set beside trivial
predictors made from the input clip's pixels, which the decoder never sees
(it decodes the encoder map only):

* ``mean_frame``: every target frame is the mean of the input clip's
  frames;
* ``nearest_frame``: every target frame is the input frame nearest to it in
  time (ties go to the earlier frame). The slowed-down target contains the
  input frames themselves, so this predictor is exact on them;
* ``mean_colour``: every pixel of every target frame is the input clip's
  mean colour: a flat frame of the right colour, no layout, no motion.

All three are scored with the pretext loss without its weight: the squared
error weighted by the motion attention, averaged over the real (valid)
target frames of each video, then over the videos.
"""
from pathlib import Path
from typing import Dict

import torch
from mmengine import Config
from mmengine.runner import Runner
from mmengine.utils import ProgressBar
from torch import Tensor, nn
from torch.utils.data import DataLoader

from mmprp.apis import build_model
from mmprp.models.losses import MotionAttentionMSELoss

PREDICTORS = ('decoder', 'mean_frame', 'nearest_frame', 'mean_colour')


def mean_frame(clip: Tensor, target_len: int) -> Tensor:
    """Predict every target frame by the mean frame of the input clip.

    Args:
        clip (Tensor): Input clips, shape (N, C, L, H, W).
        target_len (int): Frames T of the target.

    Returns:
        Tensor: Shape (N, C, T, H, W).
    """
    return clip.mean(dim=2, keepdim=True).expand(-1, -1, target_len, -1, -1)


def mean_colour(clip: Tensor, target_len: int) -> Tensor:
    """Predict every target pixel by the input clip's mean colour.

    Args:
        clip (Tensor): Input clips, shape (N, C, L, H, W).
        target_len (int): Frames T of the target.

    Returns:
        Tensor: Shape (N, C, T, H, W).
    """
    _, _, _, height, width = clip.shape
    return clip.mean(
        dim=(2, 3, 4), keepdim=True).expand(-1, -1, target_len, height, width)


def nearest_frame_indices(clip_len: int, target_len: int) -> Tensor:
    """The input frame nearest in time to each target frame.

    The target spans the clip's window with ``target_len / clip_len`` times
    as many frames, so target frame ``j`` lies at clip time
    ``j * clip_len / target_len``; halfway ties go to the earlier frame.

    Args:
        clip_len (int): Frames L of the input clip.
        target_len (int): Frames T of the target.

    Returns:
        Tensor: (T,) long indices into the clip's frames, in [0, L).
    """
    j = torch.arange(target_len)
    # ceil(j * L / T - 1/2) in integers: -floor((T - 2jL) / 2T)
    nearest = -torch.div(
        target_len - 2 * j * clip_len, 2 * target_len, rounding_mode='floor')
    return nearest.clamp(0, clip_len - 1)


def nearest_frame(clip: Tensor, target_len: int) -> Tensor:
    """Predict every target frame by the input frame nearest in time.

    Args:
        clip (Tensor): Input clips, shape (N, C, L, H, W).
        target_len (int): Frames T of the target.

    Returns:
        Tensor: Shape (N, C, T, H, W).
    """
    inds = nearest_frame_indices(clip.shape[2], target_len)
    return clip[:, :, inds.to(clip.device)]


@torch.no_grad()
def reconstruction_errors(model: nn.Module,
                          dataloader: DataLoader) -> Dict[str, float]:
    """Masked m-MSE of the decoder and of the trivial predictors.

    Args:
        model (nn.Module): A :class:`SelfSupRecognizer` with a decoder.
        dataloader (DataLoader): Yields PRP batches (a validation loader:
            one rate and a centred window per video).

    Returns:
        dict[str, float]: The mean over the videos of each predictor's
        masked m-MSE (keys :data:`PREDICTORS`), and ``code_size`` and
        ``target_size``: the numbers in one clip's encoder map and in
        its target.
    """
    model.eval()
    m_mse = MotionAttentionMSELoss()
    totals = dict.fromkeys(PREDICTORS, 0.0)
    count = 0
    bar = ProgressBar(len(dataloader.dataset))
    for batch in dataloader:
        data = model.data_preprocessor(batch, False)
        clip = data['inputs']
        target, valid, attention = model.decoder.target_views(
            data['data_samples'])
        feats = model.extract_feat(clip)
        predictions = dict(
            decoder=model.decoder(feats, tuple(target.shape[2:])),
            mean_frame=mean_frame(clip, target.shape[2]),
            nearest_frame=nearest_frame(clip, target.shape[2]),
            mean_colour=mean_colour(clip, target.shape[2]))
        num = target.shape[0]
        for name, prediction in predictions.items():
            totals[name] += num * float(
                m_mse(prediction, target, valid, attention))
        count += num
        bar.update(num)
    errors = {name: total / count for name, total in totals.items()}
    errors['code_size'] = feats[0].numel()
    errors['target_size'] = target[0].numel()
    return errors


def measure_reconstruction(cfg: Config, checkpoint: Path,
                           seed: int) -> Dict[str, float]:
    """Reconstruction errors of a PRP checkpoint on the test videos.

    Args:
        cfg (Config): The demo's pretraining config (its validation loader
            reads the test videos).
        checkpoint (Path): A checkpoint of that config's model.
        seed (int): Seed of the model's initialisation before loading.

    Returns:
        dict[str, float]: See :func:`reconstruction_errors`.
    """
    model = build_model(
        cfg, checkpoint, seed, required=('backbone', 'decoder'))
    return reconstruction_errors(model,
                                 Runner.build_dataloader(cfg.val_dataloader))
