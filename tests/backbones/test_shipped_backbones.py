"""PRP on MMAction2's stock backbones: the shipped X3D-S, SlowOnly-R50 and
I3D-R50 configs train, their backbones load into the stock recognizers, and
the paired finetune configs make the stock recipes' clips.

Full-size backbones (no depth or width reduced); clips of 16x64x64 instead of
the configs' 16x112x112 (Resize and CenterCrop of the config's pipeline
scaled down) keep two training steps to seconds on a CPU.
"""
from pathlib import Path
from typing import Dict

import mmaction
import pytest
import torch
from mmaction.registry import DATASETS, MODELS
from mmengine import Config
from mmengine.dataset import pseudo_collate
from mmengine.optim import build_optim_wrapper
from torch import Tensor

from mmprp.apis import load_config
from helpers import REPO, small_frames

# shipped name -> MMAction2's stock config of that backbone
STOCK = {
    'x3d-s':
    'recognition/x3d/x3d_s_13x6x1_facebook-kinetics400-rgb.py',
    'slowonly-r50':
    'recognition/slowonly/slowonly_r50_8xb16-4x16x1-256e_kinetics400-rgb.py',
    'i3d-r50':
    'recognition/i3d/'
    'i3d_imagenet-pretrained-r50_8xb8-32x2x1-100e_kinetics400-rgb.py',
}
STOCK_ROOT = Path(mmaction.__file__).parent / '.mim' / 'configs'
CROP = 64
BATCH = 2


def prp_config_path(name: str) -> Path:
    return REPO / 'configs' / 'prp' / f'prp_{name}_ucf101.py'


def finetune_config_path(name: str) -> Path:
    return (REPO / 'configs' / 'finetune'
            / f'finetune-stock_{name}_ucf101_split1.py')


def small_clip_config(name: str, synthetic_ucf101) -> Config:
    """The shipped PRP config on the synthetic videos at CROP x CROP."""
    train_list, _ = synthetic_ucf101.ann_files[1]
    cfg = load_config(
        prp_config_path(name), {
            'train_dataloader.dataset.ann_file':
            str(train_list),
            'train_dataloader.dataset.data_prefix.video':
            str(synthetic_ucf101.video_dir),
            'model.input_size': (16, CROP, CROP),
        })
    dataset = cfg.train_dataloader.dataset
    dataset.pipeline = small_frames(dataset.pipeline, (-1, CROP), CROP)
    return cfg


def train_two_steps(cfg: Config) -> torch.nn.Module:
    """Two ``train_step``s with the config's optimiser; checks each one.

    Every loss is finite and every parameter receives a gradient in each
    step (the model trains under DDP without ``find_unused_parameters``).
    """
    model = MODELS.build(cfg.model)
    model.init_weights()
    dataset = DATASETS.build(cfg.train_dataloader.dataset)
    optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    with_grad = set()
    for name, param in model.named_parameters():
        param.register_post_accumulate_grad_hook(
            lambda _, name=name: with_grad.add(name))
    for step in range(2):
        with_grad.clear()
        batch = pseudo_collate([
            dataset[index] for index in range(step * BATCH, (step + 1) * BATCH)
        ])
        log_vars = model.train_step(batch, optim_wrapper)
        assert {'loss', 'loss_rate', 'loss_recon'} <= set(log_vars)
        for key, value in log_vars.items():
            assert torch.isfinite(torch.as_tensor(value)), (step, key, value)
        unused = {name for name, _ in model.named_parameters()} - with_grad
        assert not unused, f'step {step}: no gradient for {sorted(unused)}'
    return model


def backbone_state(model: torch.nn.Module) -> Dict[str, Tensor]:
    return {
        key: value
        for key, value in model.state_dict().items()
        if key.startswith('backbone.')
    }


@pytest.mark.parametrize('name', STOCK)
def test_backbone_is_mmaction_stock_without_downloads(name: str) -> None:
    stock = Config.fromfile(STOCK_ROOT / STOCK[name]).model.backbone
    ours = Config.fromfile(prp_config_path(name)).model.backbone
    assert ours.get('pretrained') is None
    assert dict(ours, pretrained=None) == dict(stock, pretrained=None)
    finetune = Config.fromfile(finetune_config_path(name)).model.backbone
    assert finetune == ours


@pytest.mark.parametrize('name', STOCK)
def test_no_decoder_activation_exceeds_the_target(name: str) -> None:
    """At the shipped 16x112x112 clips: every decoder stage's output fits
    in the 32x112x112 target (no decoding larger, then resizing down)."""
    cfg = load_config(prp_config_path(name))
    assert cfg.model.input_size == (16, 112, 112)
    model = MODELS.build(cfg.model).eval()
    decoder = model.decoder
    sizes = []
    for module in decoder.modules():
        if module is not decoder:
            module.register_forward_hook(
                lambda _, __, out: sizes.append(tuple(out.shape[2:])))
    with torch.no_grad():
        feats = model.extract_feat(torch.rand(1, 3, 16, 112, 112))
        reconstruction = decoder(feats)
    assert tuple(reconstruction.shape[2:]) == (32, 112, 112)
    assert sizes
    for size in sizes:
        assert all(decoded <= target
                   for decoded, target in zip(size, (32, 112, 112))), sizes


@pytest.mark.parametrize('name', STOCK)
def test_two_steps_then_backbone_loads_into_stock_recognizer(
        name: str, synthetic_ucf101, tmp_path) -> None:
    torch.manual_seed(0)
    model = train_two_steps(small_clip_config(name, synthetic_ucf101))
    checkpoint = tmp_path / 'backbone.pth'
    torch.save(dict(state_dict=backbone_state(model)), checkpoint)

    recognizer = MODELS.build(
        Config.fromfile(finetune_config_path(name)).model)
    saved = torch.load(checkpoint, weights_only=True)['state_dict']
    missing, unexpected = recognizer.load_state_dict(saved, strict=False)
    assert unexpected == []
    head_keys = [
        key for key in recognizer.state_dict() if key.startswith('cls_head.')
    ]
    assert head_keys and sorted(missing) == sorted(head_keys)
    loaded = recognizer.state_dict()
    for key, value in saved.items():
        assert torch.equal(loaded[key], value), key


# clip (T, H, W) of the stock recipes: training and validation, test (10
# clips x 3 crops per video)
FINETUNE_CLIPS = {
    'x3d-s': ((13, 182, 182), (13, 182, 182)),
    'slowonly-r50': ((4, 224, 224), (4, 256, 256)),
    'i3d-r50': ((32, 224, 224), (32, 256, 256)),
}


@pytest.mark.parametrize('name', STOCK)
def test_finetune_pipelines_make_the_stock_clips(name: str,
                                                 synthetic_ucf101) -> None:
    train_list, val_list = synthetic_ucf101.ann_files[1]
    options = {}
    for loader, ann_file in (('train', train_list), ('val', val_list),
                             ('test', val_list)):
        options[f'{loader}_dataloader.dataset.ann_file'] = str(ann_file)
        options[f'{loader}_dataloader.dataset.data_prefix.video'] = str(
            synthetic_ucf101.video_dir)
    cfg = load_config(finetune_config_path(name), options)
    clip, test_clip = FINETUNE_CLIPS[name]
    for loader, shape in (('train', (1, 3, *clip)), ('val', (1, 3, *clip)),
                          ('test', (30, 3, *test_clip))):
        sample = DATASETS.build(cfg[f'{loader}_dataloader'].dataset)[0]
        assert tuple(sample['inputs'].shape) == shape, loader
