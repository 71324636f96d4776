"""PRPVideoDataset: list checks and the policy for unusable videos."""
import shutil
from pathlib import Path
from typing import Dict, List

import numpy as np
import pytest
import torch
from decord._ffi.base import DECORDError
from mmaction.registry import DATASETS, MODELS, TRANSFORMS
from mmcv.transforms import BaseTransform
from mmengine.logging import MessageHub, MMLogger

from mmprp.datasets import (BadVideoError, PRPVideoDataset,
                            pipeline_with_protocol)
from mmprp.engine import BadVideoReportHook


def pipeline(*extra: dict) -> List[dict]:
    return [
        dict(type='DecordInitByPath'),
        dict(type='PlaybackRateSampler'), *extra,
        dict(type='DecordDecode'),
        dict(type='Resize', scale=(-1, 64)),
        dict(type='CenterCrop', crop_size=56),
        dict(type='FormatShape', input_format='NCTHW'),
        dict(type='PackPRPInputs')
    ]


def write_list(tmp_path: Path, lines: List[str]) -> str:
    path = tmp_path / 'list.txt'
    path.write_text('\n'.join(lines) + '\n')
    return str(path)


def build(tmp_path: Path, zoo: Dict[str, Path], names: List[str],
          **kwargs) -> PRPVideoDataset:
    lines = [f'{zoo[name].name} {index}' for index, name in enumerate(names)]
    return PRPVideoDataset(
        ann_file=write_list(tmp_path, lines),
        pipeline=kwargs.pop('pipeline', pipeline()),
        data_prefix=dict(video=str(zoo['good'].parent)),
        **kwargs)


@pytest.mark.parametrize('lines,match', [
    (['a.mp4 1', 'b.mp4 1 2'], r'line 2: .*has 3 fields'),
    (['a.mp4 one'], r"line 1: .*label 'one' is not an integer"),
    (['a.mp4,1'], r"line 1: .*separated by ',', but the delimiter is ' '"),
    (['a.mp4\t1'], r"separated by '\\t'"),
    (['a.mp4 1', '', 'b.mp4 0', 'a.mp4 1'
      ], r"line 4: 'a.mp4' is already listed on line 1"),
    (['a.mp4 -3'], 'negative label -3'),
])
def test_malformed_lists_are_named(tmp_path, lines, match) -> None:
    ann_file = write_list(tmp_path, lines)
    with pytest.raises(ValueError, match=match) as error:
        PRPVideoDataset(ann_file=ann_file, pipeline=[])
    assert ann_file in str(error.value)


def test_lines_without_label_are_unlabelled(tmp_path, video_zoo) -> None:
    ann_file = write_list(tmp_path, ['good.mp4'])
    dataset = PRPVideoDataset(
        ann_file=ann_file,
        pipeline=[],
        data_prefix=dict(video=str(video_zoo['good'].parent)))
    assert dataset.get_data_info(0)['label'] == -1


def test_missing_videos_fail_fast_by_default(tmp_path, video_zoo) -> None:
    zoo = dict(video_zoo, lost=video_zoo['good'].parent / 'lost.mp4')
    with pytest.raises(
            ValueError,
            match=r'1 videos of .* do not exist:'
            r'\n  .*lost.mp4\nFix the list'):
        build(tmp_path, zoo, ['good', 'lost'])


def test_missing_videos_are_dropped_when_skipping(tmp_path, video_zoo) -> None:
    zoo = dict(video_zoo, lost=video_zoo['good'].parent / 'lost.mp4')
    dataset = build(tmp_path, zoo, ['good', 'lost'], bad_videos='skip')
    assert len(dataset) == 1
    assert dataset.missing_videos == [str(zoo['lost'])]
    assert dataset.skipped_videos == 1


@pytest.mark.parametrize('name,match', [
    ('zero_byte', 'UnreadableVideoError: decord cannot open .*zero_byte.mp4'),
    ('truncated', 'TruncatedVideoError: .*truncated.mp4 is truncated'),
    ('garbage', 'Error reading'),
    ('narrow', 'DECORDError: .*size must exactly match'),
    ('short', 'has 20 frames, fewer than the 32'),
])
def test_unusable_video_stops_training_naming_it(tmp_path, video_zoo, name,
                                                 match) -> None:
    dataset = build(
        tmp_path, video_zoo, [name], pipeline=pipeline_with_rates((2, 4)))
    with pytest.raises(BadVideoError, match=match) as error:
        dataset[0]
    assert str(video_zoo[name]) in str(error.value)
    assert "bad_videos='skip'" in str(error.value)


def pipeline_with_rates(rates) -> List[dict]:
    steps = pipeline()
    steps[1] = dict(type='PlaybackRateSampler', rates=rates)
    return steps


def test_unusable_videos_are_skipped_once_and_counted(tmp_path,
                                                      video_zoo) -> None:
    names = ['zero_byte', 'good', 'garbage', 'short']
    dataset = build(
        tmp_path,
        video_zoo,
        names,
        bad_videos='skip',
        pipeline=pipeline_with_rates((2, 4)))
    np.random.seed(0)
    for index in (0, 2, 3, 0):
        sample = dataset[index]
        assert sample['data_samples'].gt_label.item() == 1  # the good one
    assert dataset.skipped_videos == 3
    assert dataset._skipped.tolist() == [True, False, True, True]


@TRANSFORMS.register_module(name='FailForVideoForTest', force=True)
class FailForVideo(BaseTransform):
    """Raises like decord does for one file, after the rate was drawn."""

    def __init__(self, name: str) -> None:
        self.name = name

    def transform(self, results: dict) -> dict:
        if results['filename'].endswith(self.name):
            raise DECORDError('decoding failed')
        return results


def test_skipping_after_the_draw_keeps_the_rate(tmp_path, video_zoo,
                                                monkeypatch) -> None:
    steps = pipeline(dict(type='FailForVideoForTest', name='grayscale.mp4'))
    dataset = build(
        tmp_path,
        video_zoo, ['grayscale', 'good', 'static'],
        bad_videos='skip',
        pipeline=steps)
    sampler = dataset.rate_sampler
    drawn = []
    draw = sampler._draw_rate_label
    monkeypatch.setattr(sampler, '_draw_rate_label',
                        lambda rng: drawn.append(draw(rng)) or drawn[-1])
    labels = []
    np.random.seed(4)
    for _ in range(40):
        drawn.clear()
        sample = dataset[0]  # fails after its draw, a replacement follows
        labels.append(sample['data_samples'].rate_label)
        assert labels[-1] == drawn[0]
    assert np.bincount(labels, minlength=4).min() >= 4
    assert dataset.skipped_videos == 1


def test_validation_always_raises(tmp_path, video_zoo) -> None:
    steps = pipeline()
    steps[1] = dict(type='PlaybackRateSampler', test_mode=True)
    dataset = build(
        tmp_path,
        video_zoo, ['zero_byte'],
        bad_videos='skip',
        pipeline=steps,
        test_mode=True)
    with pytest.raises(BadVideoError, match='zero_byte.mp4'):
        dataset[0]


@pytest.mark.parametrize('name', ['grayscale', 'odd_size', 'static'])
def test_grayscale_odd_size_and_static_videos_train(tmp_path, video_zoo,
                                                    name) -> None:
    dataset = build(tmp_path, video_zoo, [name])
    np.random.seed(1)
    sample = dataset[0]
    frames = sample['inputs']
    assert frames.shape[:2] == (1, 3) and frames.shape[-2:] == (56, 56)
    assert torch.isfinite(frames.float()).all()


def test_static_video_gives_unit_attention_and_finite_losses(
        tmp_path, video_zoo, narrow_prp_cfg) -> None:
    dataset = build(tmp_path, video_zoo, ['static'])
    model = MODELS.build(narrow_prp_cfg)
    np.random.seed(2)
    samples = [dataset[0], dataset[0]]
    batch = model.data_preprocessor(
        dict(
            inputs=[sample['inputs'] for sample in samples],
            data_samples=[sample['data_samples'] for sample in samples]),
        training=True)
    _, _, attention = model.decoder.target_views(batch['data_samples'])
    assert torch.all(attention == 1)
    losses = model.loss(batch['inputs'], batch['data_samples'])
    assert all(torch.isfinite(value) for value in losses.values())


def test_report_hook_logs_the_count(tmp_path, video_zoo, capsys) -> None:
    dataset = build(
        tmp_path, video_zoo, ['zero_byte', 'good'], bad_videos='skip')
    np.random.seed(0)
    dataset[0]

    class Runner:
        train_dataloader = type('Loader', (), {'dataset': dataset})
        message_hub = MessageHub.get_instance('bad_video_report_test')
        logger = MMLogger.get_instance('bad_video_report_test')
        epoch = 2

    BadVideoReportHook().after_train_epoch(Runner)
    assert Runner.message_hub.get_scalar('train/skipped_videos').current() == 1
    assert 'epoch 3: 1 of the listed videos were left out so far' in (
        capsys.readouterr().out)


@pytest.mark.parametrize('content', [b'', b'\n  \n\n'])
def test_empty_list_is_named(tmp_path, content) -> None:
    ann_file = tmp_path / 'empty.txt'
    ann_file.write_bytes(content)
    with pytest.raises(ValueError, match=f'{ann_file} lists no videos'):
        PRPVideoDataset(ann_file=str(ann_file), pipeline=[])


def test_list_of_only_missing_videos_is_named_when_skipping(
        tmp_path, video_zoo) -> None:
    ann_file = write_list(tmp_path, ['lost.mp4 0', 'gone.mp4 1'])
    with pytest.raises(
            ValueError,
            match=r'none of the 2 videos of .*list.txt '
            r'exist \(the first would be .*lost.mp4\)'):
        PRPVideoDataset(
            ann_file=ann_file,
            pipeline=[],
            bad_videos='skip',
            data_prefix=dict(video=str(video_zoo['good'].parent)))


def test_every_video_unusable_when_skipping_names_the_list(
        tmp_path, video_zoo) -> None:
    dataset = build(
        tmp_path, video_zoo, ['zero_byte', 'garbage'], bad_videos='skip')
    np.random.seed(0)
    with pytest.raises(
            BadVideoError,
            match=r'every video of .*list.txt is '
            r"unusable \(bad_videos='skip'; 2 of its 2 videos"):
        dataset[0]


def test_unusable_videos_in_a_row_name_the_list(tmp_path, video_zoo,
                                                monkeypatch) -> None:
    dataset = build(
        tmp_path,
        video_zoo, ['zero_byte', 'garbage', 'good'],
        bad_videos='skip',
        max_refetch=2)
    refetched = iter([2, 0])
    monkeypatch.setattr(dataset, '_rand_another', lambda: next(refetched))
    np.random.seed(0)
    # one skip, then a usable video: the count starts again
    assert dataset[0]['data_samples'].gt_label.item() == 2
    with pytest.raises(
            BadVideoError,
            match=r'2 videos of .*list.txt fetched '
            r'in a row were unusable .*the last: .*zero_byte.mp4'):
        dataset[1]


def test_list_with_byte_order_mark_is_read(tmp_path, video_zoo) -> None:
    ann_file = tmp_path / 'bom.txt'
    ann_file.write_bytes('good.mp4 3\nstatic.mp4 1\n'.encode('utf-8-sig'))
    dataset = PRPVideoDataset(
        ann_file=str(ann_file),
        pipeline=[],
        data_prefix=dict(video=str(video_zoo['good'].parent)))
    assert dataset.get_data_info(0)['filename'] == str(video_zoo['good'])
    assert dataset.get_data_info(0)['label'] == 3


@pytest.mark.parametrize('content,match', [
    (b'good.mp4 0\n\xef\xbb\xbfstatic.mp4 1\n',
     r'line 2: .*byte-order mark \(U\+FEFF\)'),
    ('good.mp4 0\nvid\xe9o.mp4 1\n'.encode('latin-1'),
     r"line 2 is not UTF-8 \(invalid continuation byte at byte 3\): "
     r"b'vid\\xe9o.mp4 1'"),
    (b'\xff\xfeg\x00o\x00', r'line 1 is not UTF-8'),
])
def test_list_that_is_not_utf8_is_named(tmp_path, content, match) -> None:
    ann_file = tmp_path / 'bad.txt'
    ann_file.write_bytes(content)
    with pytest.raises(ValueError, match=match) as error:
        PRPVideoDataset(ann_file=str(ann_file), pipeline=[])
    assert str(ann_file) in str(error.value)


@pytest.mark.parametrize('written', ['./good.mp4', 'sub/../good.mp4', '{}'])
def test_same_video_written_differently_is_a_duplicate(tmp_path, video_zoo,
                                                       written) -> None:
    written = written.format(video_zoo['good'])
    ann_file = write_list(tmp_path,
                          ['good.mp4 0', 'static.mp4 1', f'{written} 0'])
    with pytest.raises(
            ValueError,
            match=f"line 3: '{written}' is already "
            f"listed on line 1 as 'good.mp4'"):
        PRPVideoDataset(
            ann_file=ann_file,
            pipeline=[],
            data_prefix=dict(video=str(video_zoo['good'].parent)))


def rate_labels(dataset) -> List[int]:
    return [dataset[index]['rate_label'] for index in range(len(dataset))]


@pytest.mark.parametrize('dataset_type', ['PRPVideoDataset', 'VideoDataset'])
def test_validation_rates_survive_moving_and_symlinking_the_data(
        tmp_path, synthetic_ucf101, dataset_type) -> None:
    moved = tmp_path / 'moved' / 'videos'
    shutil.copytree(synthetic_ucf101.video_dir, moved)
    linked = tmp_path / 'linked'
    linked.symlink_to(synthetic_ucf101.video_dir)
    ann_file = write_list(tmp_path, sorted(synthetic_ucf101.frame_counts))
    steps = [
        dict(type='DecordInit'),
        dict(type='PlaybackRateSampler', test_mode=True)
    ]
    labels = [
        rate_labels(
            DATASETS.build(
                dict(
                    type=dataset_type,
                    ann_file=ann_file,
                    pipeline=steps,
                    data_prefix=dict(video=str(root)),
                    test_mode=True)))
        for root in (synthetic_ucf101.video_dir, moved, linked)
    ]
    assert labels[0] == labels[1] == labels[2]
    assert len(set(labels[0])) > 1


def test_list_entry_is_relative_to_data_prefix(tmp_path, video_zoo) -> None:
    root = video_zoo['good'].parent
    ann_file = write_list(
        tmp_path,
        ['./good.mp4', f'{root}/static.mp4', f'{tmp_path}/elsewhere.mp4'])
    dataset = PRPVideoDataset(
        ann_file=ann_file,
        pipeline=[],
        bad_videos='skip',
        data_prefix=dict(video=str(root)))
    entries = [
        dataset.get_data_info(index)['relative_filename']
        for index in range(len(dataset))
    ]
    assert entries == ['good.mp4', 'static.mp4']
    assert dataset.missing_videos == [f'{tmp_path}/elsewhere.mp4']


@pytest.mark.parametrize('crop,match', [
    (dict(type='CenterCrop', crop_size=112),
     r'CenterCrop.* crops 112x112 .* frames of .*good.mp4 are 85x64'),
    (dict(type='CenterCrop', crop_size=(80, 72)), r'crops 80x72 .* are 85x64'),
    (dict(type='RandomCrop', size=72), r'RandomCrop.* crops 72x72 .* 85x64'),
])
def test_crop_larger_than_the_frame_is_named(tmp_path, video_zoo, crop,
                                             match) -> None:
    steps = pipeline()
    steps[4] = crop
    dataset = build(
        tmp_path, video_zoo, ['good'], pipeline=steps, bad_videos='skip')
    np.random.seed(0)
    with pytest.raises(ValueError, match=match):
        dataset[0]
    assert dataset.skipped_videos == 0


@TRANSFORMS.register_module(name='BrokenTransformForTest', force=True)
class BrokenTransform(BaseTransform):
    """A later transform with a bug (a RuntimeError of its own)."""

    def transform(self, results: dict) -> dict:
        raise RuntimeError('a bug in a transform')


def test_skip_never_hides_errors_that_are_not_about_the_video(
        tmp_path, video_zoo) -> None:
    steps = pipeline(dict(type='BrokenTransformForTest'))
    dataset = build(
        tmp_path, video_zoo, ['good'], bad_videos='skip', pipeline=steps)
    with pytest.raises(RuntimeError, match='a bug in a transform'):
        dataset[0]
    assert dataset.skipped_videos == 0


def test_prp_goes_into_the_sampler_steps_once() -> None:
    steps = pipeline_with_protocol([
        dict(type='OpenCVInitByPath'),
        dict(type='PlaybackRateSampler', test_mode=True)
    ], dict(recon_rate=4))
    assert steps == [
        dict(type='OpenCVInitByPath'),
        dict(type='PlaybackRateSampler', test_mode=True, recon_rate=4)
    ]
    with pytest.raises(ValueError, match=r"\['recon_rate'\] set in both"):
        pipeline_with_protocol(
            [dict(type='PlaybackRateSampler', recon_rate=2)],
            dict(recon_rate=4))


def test_a_misspelt_prp_key_is_named() -> None:
    # the sampler would fail with a TypeError on an unexpected keyword
    with pytest.raises(ValueError, match=r"unknown keys \['recon_rat'\]"):
        pipeline_with_protocol([dict(type='PlaybackRateSampler')],
                               dict(recon_rat=4))
