"""OpenCVForwardDecode: DecordDecode's frames (and Resize's), faster."""
from pathlib import Path
from typing import Dict, List, Optional

import cv2
import decord
import numpy as np
import pytest
from mmaction.datasets.transforms import DecordDecode, Resize
from mmaction.registry import TRANSFORMS
from mmengine.dataset import pseudo_collate
from torch.utils.data import DataLoader, Dataset

from mmprp.datasets.transforms import DecordInitByPath, OpenCVForwardDecode
from mmprp.datasets.video_container import UnreadableVideoError
from tools.data.encode_video import encode_video

# Resize keys whose values both ways must give alike.
RESIZE_KEYS = ('img_shape', 'original_shape', 'keep_ratio')


def opened(filename: Path, frame_inds: List[int]) -> dict:
    """What DecordInitByPath and a sampler hand the decoder."""
    results = DecordInitByPath()(dict(filename=str(filename)))
    results['frame_inds'] = np.array(frame_inds)
    return results


def frame_sets(total: int) -> List[List[int]]:
    """Increasing index sets: the start, runs, gaps across key frames, the
    last frame, and a PRP-like set in the middle."""
    last = total - 1
    return [[0], [0, 1, 2, 3], [5, 40, 41, 90, last],
            list(range(30, 62, 4)) + [63, 64], [last - 2, last]]


class RecordingReader:
    """A decord reader that records get_batch calls and can show every frame
    ``shift`` frame durations later (as when OpenCV's timing and decord's
    index disagree).
    """

    def __init__(self, reader: decord.VideoReader, shift: int = 0) -> None:
        self.reader = reader
        self.shift = shift
        self.batches: List[List[int]] = []

    def __len__(self) -> int:
        return len(self.reader)

    def get_frame_timestamp(self, index: object) -> np.ndarray:
        times = self.reader.get_frame_timestamp(index)
        return times + self.shift / self.reader.get_avg_fps()

    def get_batch(self, indices: np.ndarray) -> decord.nd.NDArray:
        self.batches.append(list(indices))
        return self.reader.get_batch(indices)


@pytest.mark.parametrize(
    'name', ['good', 'odd_size', 'grayscale', 'static', 'mjpg', 'xvid'])
def test_frames_equal_decord_decode(name: str, video_zoo: Dict[str, Path],
                                    truncated_avis: Dict[str, Path]) -> None:
    path = {**video_zoo, **truncated_avis}[name]
    total = opened(path, [0])['total_frames']
    for frame_inds in frame_sets(total):
        expected = DecordDecode()(opened(path, frame_inds))
        results = opened(path, frame_inds)
        reader = results['video_reader'] = RecordingReader(
            results['video_reader'])
        decoded = OpenCVForwardDecode()(results)
        assert reader.batches == []  # OpenCV decoded them
        np.testing.assert_array_equal(
            np.stack(decoded['imgs']), np.stack(expected['imgs']))
        assert decoded['img_shape'] == expected['img_shape']
        assert decoded['original_shape'] == expected['original_shape']
        assert decoded['video_reader'] is None


@pytest.fixture(scope='module')
def portrait_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 75x41 (height x width) MPEG-4 video of 40 noise frames."""
    path = tmp_path_factory.mktemp('portrait') / 'portrait.mp4'
    frames = np.random.default_rng(0).integers(
        0, 256, (40, 75, 41, 3), dtype=np.uint8)
    writer = cv2.VideoWriter(
        str(path), cv2.VideoWriter_fourcc(*'mp4v'), 25, (41, 75))
    for frame in frames:
        writer.write(frame)
    writer.release()
    return path


@pytest.mark.parametrize('name', ['good', 'odd_size', 'portrait'])
@pytest.mark.parametrize('scale,keep_ratio', [((-1, 128), True),
                                              ((-1, 37), True),
                                              ((171, 128), False),
                                              ((33, 65), False), (0.5, True)])
def test_scale_gives_resize_output(name: str, scale: object, keep_ratio: bool,
                                   video_zoo: Dict[str, Path],
                                   portrait_video: Path) -> None:
    path = dict(video_zoo, portrait=portrait_video)[name]
    frame_inds = [1, 2, 7, 20, 33]
    resize = Resize(scale, keep_ratio=keep_ratio)
    expected = resize(DecordDecode()(opened(path, frame_inds)))
    decoded = OpenCVForwardDecode(
        scale=scale, keep_ratio=keep_ratio)(
            opened(path, frame_inds))
    np.testing.assert_array_equal(
        np.stack(decoded['imgs']), np.stack(expected['imgs']))
    for key in RESIZE_KEYS:
        assert decoded[key] == expected[key], key
    np.testing.assert_array_equal(decoded['scale_factor'],
                                  expected['scale_factor'])


def test_nearest_interpolation_is_passed_on(
        video_zoo: Dict[str, Path]) -> None:
    path = video_zoo['good']
    resize = Resize((-1, 37), interpolation='nearest')
    expected = resize(DecordDecode()(opened(path, [3, 4])))
    decoded = OpenCVForwardDecode(
        scale=(-1, 37), interpolation='nearest')(
            opened(path, [3, 4]))
    np.testing.assert_array_equal(
        np.stack(decoded['imgs']), np.stack(expected['imgs']))


class VideoFrames(Dataset):
    """Frames of one video decoded at 171x128, one index set per item."""

    def __init__(self, path: Path, index_sets: List[List[int]]) -> None:
        self.path = path
        self.index_sets = index_sets
        self.decoder = OpenCVForwardDecode(scale=(171, 128), keep_ratio=False)

    def __len__(self) -> int:
        return len(self.index_sets)

    def __getitem__(self, index: int) -> np.ndarray:
        results = opened(self.path, self.index_sets[index])
        return np.stack(self.decoder(results)['imgs'])


def test_decodes_in_data_loader_workers(video_zoo: Dict[str, Path]) -> None:
    dataset = VideoFrames(video_zoo['good'], frame_sets(130))
    in_workers = [
        batch[0] for batch in DataLoader(
            dataset, batch_size=1, num_workers=2, collate_fn=pseudo_collate)
    ]
    assert len(in_workers) == len(dataset)
    for index, frames in enumerate(in_workers):
        np.testing.assert_array_equal(frames, dataset[index])
        assert frames.shape[1:] == (128, 171, 3)


@pytest.mark.parametrize(
    'frame_inds', [[3, 3, 4], [9, 2], [
        [10, 11, 12, 13],
        [12, 13, 14, 15],
    ]])
def test_any_order_and_repeats_give_decord_frames(
        frame_inds: List, video_zoo: Dict[str, Path]) -> None:
    path = video_zoo['good']
    expected = DecordDecode()(opened(path, frame_inds))['imgs']
    decoded = OpenCVForwardDecode()(opened(path, frame_inds))['imgs']
    np.testing.assert_array_equal(np.stack(decoded), np.stack(expected))
    # repeated frames are separate arrays: flipping one in place
    # (MMAction2's Flip does) leaves the others as they were
    assert len({id(img) for img in decoded}) == len(decoded)


def test_frames_past_the_end_are_named(video_zoo: Dict[str, Path]) -> None:
    path = video_zoo['good']
    results = opened(path, [0])
    results['frame_inds'] = np.array([results['total_frames'] + 5])
    with pytest.raises(UnreadableVideoError, match=f'frame .* of {path}'):
        OpenCVForwardDecode()(results)


def test_damaged_frames_are_named(video_zoo: Dict[str, Path]) -> None:
    path = video_zoo['corrupt']
    with pytest.raises(
            UnreadableVideoError, match=f'cannot decode frame 70 of {path}'):
        OpenCVForwardDecode()(opened(path, [70, 71]))


@pytest.mark.parametrize('name,error,message', [
    ('garbage', UnreadableVideoError, 'OpenCV cannot open {path}'),
    ('missing', FileNotFoundError, '{path} is not a local file'),
])
def test_unreadable_files_are_named(name: str, error: type, message: str,
                                    video_zoo: Dict[str, Path]) -> None:
    path = video_zoo['good'].parent / f'{name}.mp4'
    results = dict(
        filename=str(path), frame_inds=np.array([0]), video_reader=None)
    with pytest.raises(error, match=message.format(path=path)):
        OpenCVForwardDecode()(results)


@pytest.mark.parametrize('first', [1, 30])
def test_decord_decodes_where_opencv_is_elsewhere(
        first: int, video_zoo: Dict[str, Path]) -> None:
    path = video_zoo['good']
    frame_inds = [first, first + 2, first + 9]
    expected = Resize((-1, 37))(DecordDecode()(opened(path, frame_inds)))
    results = opened(path, frame_inds)
    shifted = results['video_reader'] = RecordingReader(
        results['video_reader'], shift=1)
    decoded = OpenCVForwardDecode(scale=(-1, 37))(results)
    assert shifted.batches == [frame_inds]
    np.testing.assert_array_equal(
        np.stack(decoded['imgs']), np.stack(expected['imgs']))
    assert decoded['img_shape'] == expected['img_shape']
    assert decoded['video_reader'] is None


@pytest.mark.parametrize('scale', [None, (-1, 128)])
def test_built_from_the_registry(scale: Optional[tuple]) -> None:
    decoder = TRANSFORMS.build(dict(type='OpenCVForwardDecode', scale=scale))
    assert isinstance(decoder, OpenCVForwardDecode)
    assert repr(decoder).startswith('OpenCVForwardDecode(num_threads=1, ')
    assert (decoder.resize is None) == (scale is None)


@pytest.fixture(scope='module')
def b_frame_videos(
        tmp_path_factory: pytest.TempPathFactory) -> Dict[str, Path]:
    """Videos with B-frames (stored out of display order) of 130 frames of a
    texture sliding 2 px right and 1 px down per frame."""
    rng = np.random.default_rng(0)
    texture = cv2.resize(
        rng.integers(0, 256, (30, 40, 3), dtype=np.uint8), (480, 360))
    frames = np.stack(
        [texture[t:t + 64, 2 * t:2 * t + 96] for t in range(130)])
    folder = tmp_path_factory.mktemp('b_frames')
    return dict(
        h264_mp4=encode_video(folder / 'h264.mp4', frames, 'libx264'),
        h264_mkv=encode_video(folder / 'h264.mkv', frames, 'libx264'),
        mpeg4_avi=encode_video(folder / 'mpeg4.avi', frames, 'mpeg4'))


def frames_in_order(path: Path, frame_inds: List[int]) -> np.ndarray:
    """Frames ``frame_inds`` of decord's frames decoded from the first on,
    resized to 37 high."""
    results = opened(path, list(range(frame_inds[-1] + 1)))
    imgs = Resize((-1, 37))(DecordDecode()(results))['imgs']
    return np.stack([imgs[index] for index in frame_inds])


@pytest.mark.parametrize('name', ['h264_mp4', 'h264_mkv'])
def test_h264_with_b_frames_seeks_to_decord_frames(
        name: str, b_frame_videos: Dict[str, Path]) -> None:
    path = b_frame_videos[name]
    for frame_inds in frame_sets(130):
        expected = Resize((-1, 37))(DecordDecode()(opened(path, frame_inds)))
        results = opened(path, frame_inds)
        reader = results['video_reader'] = RecordingReader(
            results['video_reader'])
        decoded = OpenCVForwardDecode(scale=(-1, 37))(results)
        assert reader.batches == []  # OpenCV's seek passed the check
        np.testing.assert_array_equal(
            np.stack(decoded['imgs']), np.stack(expected['imgs']))
        np.testing.assert_array_equal(
            np.stack(decoded['imgs']), frames_in_order(path, frame_inds))


def test_mpeg4_avi_with_b_frames_is_decoded_from_its_start(
        b_frame_videos: Dict[str, Path]) -> None:
    path = b_frame_videos['mpeg4_avi']
    reader = opened(path, [0])['video_reader']
    starts = reader.get_frame_timestamp(np.arange(130))[:, 0]
    assert np.any(starts < 0)  # decord's index has no times for them
    for frame_inds in frame_sets(130):
        results = opened(path, frame_inds)
        recording = results['video_reader'] = RecordingReader(
            results['video_reader'])
        decoded = OpenCVForwardDecode(scale=(-1, 37))(results)
        assert recording.batches == []
        np.testing.assert_array_equal(
            np.stack(decoded['imgs']), frames_in_order(path, frame_inds))


def test_decord_random_access_is_wrong_on_mpeg4_avi_with_b_frames(
        b_frame_videos: Dict[str, Path]) -> None:
    """Why the transform does not fall back to decord there (decord 0.6)."""
    path = b_frame_videos['mpeg4_avi']
    jumped = Resize((-1, 37))(DecordDecode()(opened(path, [60])))['imgs']
    assert not np.array_equal(jumped[0], frames_in_order(path, [60])[0])
