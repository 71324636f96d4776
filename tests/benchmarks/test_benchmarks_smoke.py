"""Smoke tests of the benchmark scripts: tiny runs, result keys, no speeds."""
import json
import math
import shutil
from pathlib import Path
from typing import Dict, Sequence

import numpy as np
import pytest
import torch

from benchmarks import (authors_pixels, bench_batch_norm_layout,
                        bench_data_pipeline, bench_train_step)
from benchmarks.common import write_json


def assert_finite_positive(results: Dict, keys: Sequence[str]) -> None:
    for key in keys:
        value = results[key]
        assert isinstance(value, float), f'{key} = {value!r}'
        assert math.isfinite(value) and value > 0, f'{key} = {value!r}'


def test_codec_frames_follows_opencv_seeks() -> None:
    keys = np.array([0, 12, 24, 36])
    assert bench_data_pipeline.codec_frames(range(10), keys) == 10
    # frame 13: seek back 16 frames to key frame 0, decode 0 to 13
    assert bench_data_pipeline.codec_frames([13], keys) == 14
    # frame 30: the key frame before 14 is 12; decode 12 to 35
    assert bench_data_pipeline.codec_frames([35, 30, 33], keys) == 24


def test_codec_frames_counts_from_the_start_below_the_seek_limit() -> None:
    keys = np.array([0, 12, 24, 36])
    first = bench_data_pipeline.MIN_SEEK_FRAME - 1
    assert bench_data_pipeline.codec_frames([first, 40], keys) == 41


def test_data_pipeline_benchmark_tiny_run(tmp_path: Path) -> None:
    results = bench_data_pipeline.run_benchmark(
        num_samples=2,
        warmup=1,
        num_videos=1,
        frame_size=(64, 80),
        num_frames=(130, 140))
    assert_finite_positive(results,
                           ('speedup', 'decoded_frames_ratio',
                            'codec_frames_ratio', 'speedup_with_collate'))
    assert 'OpenCVForwardDecode' in results['stages']['pipeline']
    assert set(results['stages']['baseline']) == {
        'open', 'decode', 'resize + crop', 'to float',
        'clip, target, attention'
    }
    assert results['samples'] == 2
    assert 'speedup' in bench_data_pipeline.report(results)
    write_json(tmp_path / 'data.json', results)
    written = json.loads((tmp_path / 'data.json').read_text())
    assert written['decoded_frames_ratio'] == results['decoded_frames_ratio']
    assert written['machine']['nproc'] >= 1


def test_data_pipeline_benchmark_on_b_frame_avis() -> None:
    results = bench_data_pipeline.run_benchmark(
        num_samples=2,
        warmup=1,
        num_videos=1,
        frame_size=(64, 80),
        num_frames=(130, 140),
        b_frames=True)
    assert results['settings']['b_frames'] is True
    assert 'MPEG-4 AVIs with B-frames' in bench_data_pipeline.report(results)
    # the pipeline seeks there too; the baseline decodes from frame 0 to the
    # window's end
    assert 0 < results['codec_frames_ratio'] <= 1
    assert_finite_positive(results, ('speedup', 'decoded_frames_ratio'))


@pytest.fixture
def own_videos(tmp_path: Path, video_zoo: Dict[str, Path],
               coded_videos: Dict[str, Path]) -> Path:
    """A folder of two usable videos, one too short and one unreadable."""
    folder = tmp_path / 'videos'
    (folder / 'class').mkdir(parents=True)
    for name, source in (('class/a.mp4', video_zoo['good']),
                         ('b.avi', coded_videos['mjpg_avi']),
                         ('short.mp4', video_zoo['short']),
                         ('garbage.mp4', video_zoo['garbage'])):
        shutil.copy(source, folder / name)
    (folder / 'notes.txt').write_text('not a video')
    return folder


def test_own_videos_are_listed_from_a_folder_or_a_list(own_videos: Path,
                                                       tmp_path: Path) -> None:
    names = ['b.avi', 'class/a.mp4', 'garbage.mp4', 'short.mp4']
    listed = bench_data_pipeline.list_video_files(own_videos)
    assert listed == [str(own_videos / name) for name in names]
    ann_file = tmp_path / 'list.txt'
    ann_file.write_text('class/a.mp4 3\n\nb.avi 0\n')
    assert bench_data_pipeline.list_video_files(ann_file, own_videos) == [
        str(own_videos / 'b.avi'),
        str(own_videos / 'class/a.mp4')
    ]
    empty = tmp_path / 'empty'
    empty.mkdir()
    with pytest.raises(ValueError, match=f'no videos found in {empty}'):
        bench_data_pipeline.list_video_files(empty)


def test_data_pipeline_benchmark_on_own_videos(own_videos: Path) -> None:
    results = bench_data_pipeline.run_benchmark(
        num_samples=2,
        warmup=1,
        num_videos=2,
        video_files=bench_data_pipeline.list_video_files(own_videos))
    assert results['settings']['videos'] == 2
    counts = results['settings']['own_videos']
    assert (counts['listed'], counts['min_frames']) == (4, 128)
    assert counts['tried'] - counts['short'] - counts['unusable'] == 2
    assert 'from 2 of your videos (drawn from 4' in bench_data_pipeline.report(
        results)
    assert_finite_positive(results, ('speedup', 'cpu_speedup'))
    with pytest.raises(
            ValueError,
            match='only 2 of the 4 videos can be used, 3 are asked for: 1 '
            'have fewer than 128 frames, 1 cannot be opened'):
        bench_data_pipeline.run_benchmark(
            num_samples=1,
            warmup=0,
            num_videos=3,
            video_files=bench_data_pipeline.list_video_files(own_videos))


def test_train_step_benchmark_tiny_run(tmp_path: Path) -> None:
    config = bench_train_step.CONFIG_DIR / 'prp_c3d_ucf101.py'
    assert config in bench_train_step.shipped_configs()
    results = bench_train_step.run_benchmark(
        configs=[config], batch_size=1, steps=1, warmup=1, width=4)
    entry = results['configs']['prp_c3d_ucf101']
    assert entry['settings']['authors'] == 'c3d'
    assert entry['settings']['channels_last']
    assert_finite_positive(
        entry,
        ('step_ratio', 'overhead_share', 'decoder_share', 'authors_time_ratio',
         'authors_peak_ratio', 'authors_flops_ratio'))
    for model in ('prp', 'supervised', 'authors'):
        assert_finite_positive(
            entry[model], ('step_ms', 'peak_mib', 'gflop', 'gflops_per_s'))
    # the same layers; on the CPU, decoder deconvolution + conv pairs run
    # fused where that does under 40 % of their multiply-adds
    # (fusion_is_cheaper), so fewer FLOPs than the authors' layers, never
    # more (1278 vs 1539 GFLOP at the configs' size); conv biases are not
    # counted
    assert (0.5 * entry['authors']['gflop'] < entry['prp']['gflop'] <
            entry['authors']['gflop'])
    assert entry['supervised']['gflop'] < entry['prp']['gflop']
    assert 0 < entry['decoder_share'] < 1
    assert set(entry['prp_parts_ms']) == {
        'prepare_views', 'loss_rate', 'loss_recon', 'decoder'
    }
    assert set(entry['targets']) == {
        'step_ratio', 'overhead_share', 'authors_time_ratio',
        'authors_peak_ratio'
    }
    text = bench_train_step.report(results)
    assert 'prp_c3d_ucf101' in text and 'authors_time_ratio' in text
    write_json(tmp_path / 'train.json', results)
    written = json.loads((tmp_path / 'train.json').read_text())
    assert written['configs']['prp_c3d_ucf101']['step_ratio'] == (
        entry['step_ratio'])


def test_train_step_benchmark_needs_a_warmup_step() -> None:
    with pytest.raises(ValueError, match='warm-up'):
        bench_train_step.run_benchmark(warmup=0)


def test_only_c3d_configs_can_be_narrowed() -> None:
    with pytest.raises(ValueError, match='ResNet3d'):
        bench_train_step.load_prp_config(
            bench_train_step.CONFIG_DIR / 'prp_r3d_ucf101.py', 4)


def test_authors_pixels_tiny_run() -> None:
    results = authors_pixels.run_measurement(
        num_videos=2, num_clips=1, frame_size=(160, 240))
    # shrinking: the two resamplings differ
    assert results['pixels']['max'] > 1
    assert len(results['cosine']) == len(results['relative_l2']) == 2
    assert all(0 < value <= 1 + 1e-6 for value in results['cosine'])
    assert_finite_positive(results, ('relative_l2_between_videos', ))
    assert 'cosine(PIL, OpenCV)' in authors_pixels.report(results)


def test_batch_norm_layout_benchmark_parts() -> None:
    x = torch.rand(
        (2, 3, 4, 8, 8), generator=torch.Generator().manual_seed(0)) + 0.5
    errors = {
        layout: bench_batch_norm_layout.statistics_error(x, layout)
        for layout in bench_batch_norm_layout.LAYOUTS
    }
    for layout, error in errors.items():
        assert set(error) == {'var', 'mean'}
        assert all(0 <= value < 1e-4 for value in error.values()), layout
    # the hooks run the contiguous kernel
    assert errors['channels-last, NCDHW hooks'] == errors['contiguous']
    steps = {
        hooks:
        bench_batch_norm_layout.layer_step(
            x.contiguous(memory_format=torch.channels_last_3d), hooks)
        for hooks in (True, False)
    }
    seconds = bench_batch_norm_layout.alternate(steps, repeats=1)
    assert_finite_positive(seconds, (True, False))
