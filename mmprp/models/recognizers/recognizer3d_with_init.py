"""MMAction2's Recognizer3D with a model-level ``init_cfg``."""
import copy

from mmaction.models.recognizers import Recognizer3D
from mmaction.registry import MODELS
from mmaction.utils import ConfigType, OptConfigType, OptMultiConfig


@MODELS.register_module()
class Recognizer3DWithInit(Recognizer3D):
    """``Recognizer3D`` whose ``init_cfg`` initialises the whole model.

    MMAction2's recognizers take no ``init_cfg``, and ``ResNet3d`` and
    ``I3DHead`` ignore theirs, so the authors' initialisation cannot be
    asked of the parts. Given here, e.g. ``dict(type='TorchLegacyInit')``,
    it applies to every layer of encoder and head alike (the finetuning
    models of ``configs/finetune/finetune_*.py``). Everything else is
    ``Recognizer3D``.

    Args:
        backbone (dict): The encoder config.
        cls_head (dict, optional): The classification head config.
        neck (dict, optional): A neck config. Defaults to None.
        train_cfg (dict, optional): As in ``Recognizer3D``.
        test_cfg (dict, optional): As in ``Recognizer3D``.
        data_preprocessor (dict, optional): As in ``Recognizer3D``.
        init_cfg (dict | list[dict], optional): Initialisation of the whole
            model. Defaults to None: each module initialises itself.
    """

    def __init__(self,
                 backbone: ConfigType,
                 cls_head: OptConfigType = None,
                 neck: OptConfigType = None,
                 train_cfg: OptConfigType = None,
                 test_cfg: OptConfigType = None,
                 data_preprocessor: OptConfigType = None,
                 init_cfg: OptMultiConfig = None) -> None:
        super().__init__(
            backbone=backbone,
            cls_head=cls_head,
            neck=neck,
            train_cfg=train_cfg,
            test_cfg=test_cfg,
            data_preprocessor=data_preprocessor)
        self.init_cfg = copy.deepcopy(init_cfg)
