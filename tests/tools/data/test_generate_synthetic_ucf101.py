"""The command line of tools/data/generate_synthetic_ucf101.py."""
from pathlib import Path
from typing import Dict, List

import pytest

from mmprp.testing import generate_synthetic_ucf101
from helpers import load_tool

main = load_tool('data/generate_synthetic_ucf101').main

TINY_ARGS = dict(
    num_classes=2,
    groups_per_class=3,
    clips_per_group=1,
    num_frames=(130, 130),
    frame_size=(32, 40),
    seed=3)
TINY_ARGV = [
    '--num-classes', '2', '--groups-per-class', '3', '--clips-per-group', '1',
    '--num-frames', '130', '130', '--frame-size', '32', '40', '--seed', '3'
]


def _video_bytes(root: Path) -> Dict[str, bytes]:
    return {
        str(path.relative_to(root)): path.read_bytes()
        for path in sorted(root.rglob('*.mp4'))
    }


@pytest.mark.parametrize('extra_argv, extra_kwargs', [
    ([], {}),
    (['--appearance', 'grey', '--object-size', '0.4', '0.45'
      ], dict(appearance='grey', object_size=(0.4, 0.45))),
    (['--appearance', 'flat'], dict(appearance='flat')),
    (['--held-out-groups', '1'], dict(held_out_groups=1)),
])
def test_cli_writes_what_the_function_writes(tmp_path: Path,
                                             extra_argv: List[str],
                                             extra_kwargs: dict) -> None:
    main([str(tmp_path / 'cli'), *TINY_ARGV, *extra_argv])
    generate_synthetic_ucf101(
        tmp_path / 'api', progress=False, **TINY_ARGS, **extra_kwargs)
    written = _video_bytes(tmp_path / 'cli')
    assert len(written) == 2 * (3 + extra_kwargs.get('held_out_groups', 0))
    assert written == _video_bytes(tmp_path / 'api')
    lists = sorted(path.name for path in (tmp_path / 'cli').glob('*.txt'))
    assert lists == sorted(
        path.name for path in (tmp_path / 'api').glob('*.txt'))
    assert ('ucf101_prp_val_split_1_videos.txt' in lists) == ('held_out_groups'
                                                              in extra_kwargs)


def test_cli_options_change_the_videos(tmp_path: Path) -> None:
    main([str(tmp_path / 'textured'), *TINY_ARGV])
    main([str(tmp_path / 'grey'), *TINY_ARGV, '--appearance', 'grey'])
    textured = _video_bytes(tmp_path / 'textured')
    grey = _video_bytes(tmp_path / 'grey')
    assert textured.keys() == grey.keys()
    assert all(textured[name] != grey[name] for name in textured)


@pytest.mark.parametrize('bad_argv', [
    ['--appearance', 'shiny'],
    ['--object-size', '0.6', '0.7'],
])
def test_cli_refuses_bad_options_before_writing(tmp_path: Path,
                                                bad_argv: List[str]) -> None:
    with pytest.raises(SystemExit) as error:
        main([str(tmp_path / 'out'), *TINY_ARGV, *bad_argv])
    assert error.value.code != 0
    assert not (tmp_path / 'out').exists()
