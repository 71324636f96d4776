"""Video features for nearest-neighbour retrieval (no finetuning)."""
from typing import Dict, Sequence

import torch.nn.functional as F
from mmaction.models.recognizers.base import BaseRecognizer
from mmaction.registry import MODELS
from mmaction.utils import ConfigType, OptConfigType, SampleList
from torch import Tensor, nn


def unit_range_preprocessor() -> dict:
    """Config of MMAction2's preprocessor scaling pixels to [0, 1].

    PRP's input scaling (the authors' code): no mean subtraction, divide by
    255, clips in NCTHW layout.

    Returns:
        dict: A new ``ActionDataPreprocessor`` config.
    """
    return dict(
        type='ActionDataPreprocessor',
        mean=[0., 0., 0.],
        std=[255., 255., 255.],
        format_shape='NCTHW')


def pooled_video_features(backbone: nn.Module, inputs: Tensor,
                          pool_size: Sequence[int]) -> Tensor:
    """The retrieval protocol's video features (VCOP / PRP).

    Each clip's encoder map is max-pooled with kernel and stride
    ``pool_size``, flattened, and the clip features of a video averaged.

    Args:
        backbone (nn.Module): The encoder; maps (B, C, T, H, W) clips to
            (B, C', T', H', W') maps.
        inputs (Tensor): Clips of each video, (N, M, C, T, H, W).
        pool_size (Sequence[int]): Max-pooling kernel and stride over
            (T', H', W').

    Returns:
        Tensor: (N, D) video features.
    """
    num_videos, num_clips = inputs.shape[:2]
    maps = backbone(inputs.flatten(0, 1))
    pooled = F.max_pool3d(maps, pool_size, pool_size)
    return pooled.flatten(1).view(num_videos, num_clips, -1).mean(1)


@MODELS.register_module()
class VideoFeatureExtractor(BaseRecognizer):
    """Encode every clip of a video and average the clip features.

    The retrieval protocol of VCOP / PRP: each clip's encoder map is
    max-pooled with ``pool_size`` (default (1, 2, 2)), flattened, and the
    clip features of a video are averaged. A PRP checkpoint loads into it
    through ``load_from`` (its ``backbone.*`` weights; the pretext heads are
    reported as unexpected keys and ignored).

    Args:
        backbone (dict): Encoder config (the pretraining one).
        pool_size (Sequence[int]): Max-pooling kernel and stride over
            (T, H, W) of the encoder map. Defaults to (1, 2, 2).
        data_preprocessor (dict, optional): Defaults to scaling pixels to
            [0, 1] like PRP pretraining.
    """

    def __init__(self,
                 backbone: ConfigType,
                 pool_size: Sequence[int] = (1, 2, 2),
                 data_preprocessor: OptConfigType = None) -> None:
        super().__init__(
            backbone=backbone,
            data_preprocessor=data_preprocessor or unit_range_preprocessor())
        self.pool_size = tuple(pool_size)

    def extract_feat(self, inputs: Tensor, **kwargs) -> Tensor:
        """Video features (:func:`pooled_video_features`).

        Args:
            inputs (Tensor): Clips of each video, (N, M, C, T, H, W).

        Returns:
            Tensor: (N, D) features, the mean over the M clips of the
            pooled and flattened encoder maps.
        """
        return pooled_video_features(self.backbone, inputs, self.pool_size)

    def _forward(self,
                 inputs: Tensor,
                 stage: str = 'backbone',
                 **kwargs) -> Tensor:
        """Return the video features (``mode='tensor'``)."""
        return self.extract_feat(inputs)

    def predict(self, inputs: Tensor, data_samples: SampleList,
                **kwargs) -> SampleList:
        """Write each video's feature into its data sample as ``feature``.

        Args:
            inputs (Tensor): Clips of each video, (N, M, C, T, H, W).
            data_samples (list[ActionDataSample]): One per video.

        Returns:
            list[ActionDataSample]: With a (D,) ``feature`` field.
        """
        features = self.extract_feat(inputs)
        for sample, feature in zip(data_samples, features):
            sample.set_field(feature, 'feature')
        return data_samples

    def loss(self, inputs: Tensor, data_samples: SampleList,
             **kwargs) -> Dict[str, Tensor]:
        """Not trainable: retrieval evaluates a frozen pretrained encoder.

        Raises:
            RuntimeError: Always; train with a PRP config instead.
        """
        raise RuntimeError(
            'VideoFeatureExtractor only extracts features (tools/test.py); '
            'pretrain with a configs/prp/ config or finetune with a '
            'configs/finetune/ config instead')
