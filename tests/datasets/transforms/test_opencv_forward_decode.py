"""OpenCVForwardDecode: DecordDecode's frames (and Resize's), one open."""
from pathlib import Path
from typing import Dict, List, Optional

import cv2
import numpy as np
import pytest
from mmaction.datasets.transforms import DecordDecode, Resize
from mmaction.registry import TRANSFORMS
from mmengine.dataset import pseudo_collate
from PIL import Image
from torch.utils.data import DataLoader, Dataset

from mmprp.datasets.transforms import (DecordInitByPath, OpenCVForwardDecode,
                                       OpenCVInitByPath, opencv_forward_decode)
from mmprp.datasets.video_container import UnreadableVideoError
from mmprp.testing.encode_video import encode_video

# Resize keys whose values both ways must give alike.
RESIZE_KEYS = ('img_shape', 'original_shape', 'keep_ratio')


def opened(filename: Path, frame_inds: List[int]) -> dict:
    """What OpenCVInitByPath and a sampler hand the decoder."""
    results = OpenCVInitByPath()(dict(filename=str(filename)))
    results['frame_inds'] = np.array(frame_inds)
    return results


def decord_decoded(filename: Path, frame_inds: List) -> dict:
    """MMAction2's DecordDecode of the frames, the video opened by path."""
    results = DecordInitByPath()(dict(filename=str(filename)))
    results['frame_inds'] = np.array(frame_inds)
    return DecordDecode()(results)


def frame_sets(total: int) -> List[List[int]]:
    """Increasing index sets: the start, runs, gaps across key frames, the
    last frame, and a PRP-like set in the middle."""
    last = total - 1
    return [[0], [0, 1, 2, 3], [5, 40, 41, 90, last],
            list(range(30, 62, 4)) + [63, 64], [last - 2, last]]


class RecordingCapture:
    """A ``cv2.VideoCapture`` that records its seeks and grabs, and can give
    frame times ``shift_ms`` later after a seek (as when a seek lands on
    another frame than the one asked for).
    """

    def __init__(self, capture: cv2.VideoCapture, shift_ms: float = 0.):
        self.capture = capture
        self.shift_ms = shift_ms
        self.seeks: List[float] = []
        self.grabs = 0
        self.released = False

    def grab(self) -> bool:
        self.grabs += 1
        return self.capture.grab()

    def retrieve(self) -> tuple:
        return self.capture.retrieve()

    def set(self, prop: int, value: float) -> bool:
        assert prop == cv2.CAP_PROP_POS_FRAMES
        self.seeks.append(value)
        return self.capture.set(prop, value)

    def get(self, prop: int) -> float:
        value = self.capture.get(prop)
        if prop == cv2.CAP_PROP_POS_MSEC and self.seeks:
            value += self.shift_ms
        return value

    def release(self) -> None:
        self.released = True
        self.capture.release()


@pytest.fixture
def reopened(monkeypatch: pytest.MonkeyPatch) -> List[str]:
    """The files the decoder opens itself (none where the capture of
    OpenCVInitByPath serves, its seek included)."""
    opened_files = []
    open_capture = opencv_forward_decode.open_capture

    def recording_open(filename: str, num_threads: int) -> cv2.VideoCapture:
        opened_files.append(filename)
        return open_capture(filename, num_threads)

    monkeypatch.setattr(opencv_forward_decode, 'open_capture', recording_open)
    return opened_files


def decoded_with_recording(path: Path,
                           frame_inds: List[int],
                           decoder: Optional[OpenCVForwardDecode] = None,
                           shift_ms: float = 0.) -> tuple:
    """The decoder's results and the RecordingCapture it decoded from."""
    results = opened(path, frame_inds)
    capture = results['video_capture'] = RecordingCapture(
        results['video_capture'], shift_ms)
    decoded = (decoder or OpenCVForwardDecode())(results)
    return decoded, capture


@pytest.mark.parametrize(
    'name', ['good', 'odd_size', 'grayscale', 'static', 'mjpg', 'xvid'])
def test_frames_equal_decord_decode(name: str, video_zoo: Dict[str, Path],
                                    truncated_avis: Dict[str, Path],
                                    reopened: List[str]) -> None:
    path = {**video_zoo, **truncated_avis}[name]
    total = opened(path, [0])['total_frames']
    for frame_inds in frame_sets(total):
        expected = decord_decoded(path, frame_inds)
        decoded, capture = decoded_with_recording(path, frame_inds)
        np.testing.assert_array_equal(
            np.stack(decoded['imgs']), np.stack(expected['imgs']))
        assert decoded['img_shape'] == expected['img_shape']
        assert decoded['original_shape'] == expected['original_shape']
        assert 'video_capture' not in decoded
        assert capture.released
    assert reopened == []  # one open per sample, every seek landed


def test_seeks_once_to_far_frames_and_decodes_forward(
        video_zoo: Dict[str, Path], reopened: List[str]) -> None:
    path = video_zoo['good']
    frame_inds = [60, 61, 90]
    decoded, capture = decoded_with_recording(path, frame_inds)
    assert capture.seeks == [60]
    assert capture.grabs == 1 + 1 + 30  # the first frame, frame 60, forward
    assert reopened == []
    np.testing.assert_array_equal(
        np.stack(decoded['imgs']),
        np.stack(decord_decoded(path, frame_inds)['imgs']))


def test_frames_near_the_start_are_decoded_without_seeking(
        video_zoo: Dict[str, Path]) -> None:
    first = opencv_forward_decode.MIN_SEEK_FRAME - 1
    _, capture = decoded_with_recording(video_zoo['good'], [first, 40])
    assert capture.seeks == []
    assert capture.grabs == 41


@pytest.mark.parametrize('shift_ms', [40., -40., 25.])
def test_a_missed_seek_decodes_from_the_first_frame(
        shift_ms: float, video_zoo: Dict[str,
                                         Path], reopened: List[str]) -> None:
    path = video_zoo['good']
    frame_inds = [30, 32, 39]
    expected = Resize((-1, 37))(decord_decoded(path, frame_inds))
    decoded, capture = decoded_with_recording(
        path, frame_inds, OpenCVForwardDecode(scale=(-1, 37)), shift_ms)
    assert capture.seeks == [30] and capture.released
    assert reopened == [str(path)]
    np.testing.assert_array_equal(
        np.stack(decoded['imgs']), np.stack(expected['imgs']))
    assert decoded['img_shape'] == expected['img_shape']


def test_a_seek_within_half_a_frame_is_kept(video_zoo: Dict[str, Path],
                                            reopened: List[str]) -> None:
    # 25 fps: frames are 40 ms apart
    decoded_with_recording(video_zoo['good'], [30, 31], shift_ms=19.)
    assert reopened == []


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
    expected = resize(decord_decoded(path, frame_inds))
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
    expected = resize(decord_decoded(path, [3, 4]))
    decoded = OpenCVForwardDecode(
        scale=(-1, 37), interpolation='nearest')(
            opened(path, [3, 4]))
    np.testing.assert_array_equal(
        np.stack(decoded['imgs']), np.stack(expected['imgs']))


@pytest.fixture(scope='module')
def textured_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 320x240 MPEG-4 video of 3 frames: a 2-pixel checkerboard under
    noise, the texture where shrinking aliases."""
    path = tmp_path_factory.mktemp('textured') / 'textured.mp4'
    rows, cols = np.indices((240, 320))
    board = ((rows // 2 + cols // 2) % 2 * 160).astype(np.uint8)
    noise = np.random.default_rng(0).integers(
        0, 96, (3, 240, 320, 3), dtype=np.uint8)
    writer = cv2.VideoWriter(
        str(path), cv2.VideoWriter_fourcc(*'mp4v'), 25, (320, 240))
    for frame in board[None, ..., None] + noise:
        writer.write(frame)
    writer.release()
    return path


@pytest.mark.parametrize('scale,keep_ratio', [((171, 128), False),
                                              ((-1, 128), True)])
def test_pillow_backend_gives_pils_bilinear_pixels(
        scale: tuple, keep_ratio: bool, textured_video: Path) -> None:
    """The authors' resampling: PIL's bilinear of the decoded RGB frames
    (within a grey level), far from OpenCV's on this texture."""
    frame_inds = [0, 1, 2]
    full = OpenCVForwardDecode()(opened(textured_video, frame_inds))['imgs']
    decoded = OpenCVForwardDecode(
        scale=scale, keep_ratio=keep_ratio, backend='pillow')(
            opened(textured_video, frame_inds))
    height, width = decoded['img_shape']
    assert (height, width) == (128, 171)
    pil = np.stack([
        np.asarray(
            Image.fromarray(frame).resize((width, height), Image.BILINEAR))
        for frame in full
    ]).astype(int)
    opencv = np.stack([
        cv2.resize(frame, (width, height), interpolation=cv2.INTER_LINEAR)
        for frame in full
    ])
    ours = np.stack(decoded['imgs'])
    assert np.abs(ours - pil).max() <= 1
    assert np.abs(opencv - pil).max() > 10
    assert np.abs(opencv - pil).mean() > 1


@pytest.mark.parametrize('backend,interpolation', [('pil', 'bilinear'),
                                                   ('pillow', 'area'),
                                                   ('cv2', 'box')])
def test_unknown_backend_or_interpolation_is_named(backend: str,
                                                   interpolation: str) -> None:
    with pytest.raises(ValueError, match=f"'{backend}'|'{interpolation}'"):
        OpenCVForwardDecode(
            scale=(171, 128), interpolation=interpolation, backend=backend)


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
    ], [70, 30, 30]])
def test_any_order_and_repeats_give_decord_frames(
        frame_inds: List, video_zoo: Dict[str, Path]) -> None:
    path = video_zoo['good']
    expected = decord_decoded(path, frame_inds)['imgs']
    decoded = OpenCVForwardDecode()(opened(path, frame_inds))['imgs']
    np.testing.assert_array_equal(np.stack(decoded), np.stack(expected))
    # repeated frames are separate arrays: flipping one in place
    # (MMAction2's Flip does) leaves the others as they were
    assert len({id(img) for img in decoded}) == len(decoded)


@pytest.mark.parametrize('past', [0, 5])
def test_frames_past_the_end_are_named(past: int,
                                       video_zoo: Dict[str, Path]) -> None:
    path = video_zoo['good']
    results = opened(path, [0])
    total = results['total_frames']
    results['frame_inds'] = np.array([3, total + past])
    with pytest.raises(
            UnreadableVideoError,
            match=f'cannot decode frame {total} of {path} .its header '
            f'declares {total} frames'):
        OpenCVForwardDecode()(results)


def test_damaged_frames_are_named(video_zoo: Dict[str, Path]) -> None:
    path = video_zoo['corrupt']
    with pytest.raises(
            UnreadableVideoError, match=f'cannot decode frame .* of {path}'):
        OpenCVForwardDecode()(opened(path, [70, 71]))


@pytest.mark.parametrize('name,error,message', [
    ('garbage', UnreadableVideoError, 'OpenCV cannot open {path}'),
    ('missing', FileNotFoundError, '{path} is not a local file'),
])
def test_unreadable_files_are_named(name: str, error: type, message: str,
                                    video_zoo: Dict[str, Path]) -> None:
    path = video_zoo['good'].parent / f'{name}.mp4'
    results = dict(filename=str(path), frame_inds=np.array([0]))
    with pytest.raises(error, match=message.format(path=path)):
        OpenCVForwardDecode()(results)


def test_after_decord_init_by_path_it_opens_the_file_and_says_so(
        video_zoo: Dict[str, Path], monkeypatch: pytest.MonkeyPatch,
        reopened: List[str]) -> None:
    """Pipelines written before OpenCVInitByPath keep working."""
    logged = []
    monkeypatch.setattr(opencv_forward_decode, 'print_log',
                        lambda message, **kwargs: logged.append(message))
    path = video_zoo['good']
    decoder = OpenCVForwardDecode()
    for frame_inds in ([2, 50], [40, 41]):
        results = DecordInitByPath()(dict(filename=str(path)))
        results['frame_inds'] = np.array(frame_inds)
        decoded = decoder(results)
        assert decoded['video_reader'] is None  # decord's reader released
        np.testing.assert_array_equal(
            np.stack(decoded['imgs']),
            np.stack(decord_decoded(path, frame_inds)['imgs']))
    assert reopened == [str(path)] * 2
    assert len(logged) == 1 and 'OpenCVInitByPath' in logged[0]


@pytest.mark.parametrize('scale', [None, (-1, 128)])
def test_built_from_the_registry(scale: Optional[tuple]) -> None:
    decoder = TRANSFORMS.build(dict(type='OpenCVForwardDecode', scale=scale))
    assert isinstance(decoder, OpenCVForwardDecode)
    assert repr(decoder).startswith('OpenCVForwardDecode(num_threads=1, ')
    assert repr(decoder).endswith("backend='cv2')")
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
    decoded = decord_decoded(path, list(range(frame_inds[-1] + 1)))
    imgs = Resize((-1, 37))(decoded)['imgs']
    return np.stack([imgs[index] for index in frame_inds])


@pytest.mark.parametrize('name', ['h264_mp4', 'h264_mkv'])
def test_h264_with_b_frames_seeks_to_decord_frames(
        name: str, b_frame_videos: Dict[str,
                                        Path], reopened: List[str]) -> None:
    path = b_frame_videos[name]
    for frame_inds in frame_sets(130):
        expected = Resize((-1, 37))(decord_decoded(path, frame_inds))
        decoded, _ = decoded_with_recording(
            path, frame_inds, OpenCVForwardDecode(scale=(-1, 37)))
        np.testing.assert_array_equal(
            np.stack(decoded['imgs']), np.stack(expected['imgs']))
        np.testing.assert_array_equal(
            np.stack(decoded['imgs']), frames_in_order(path, frame_inds))
    assert reopened == []  # every seek passed the check


def test_mpeg4_avi_with_b_frames_seeks_to_the_frames_in_order(
        b_frame_videos: Dict[str, Path], reopened: List[str]) -> None:
    path = b_frame_videos['mpeg4_avi']
    for frame_inds in frame_sets(130):
        decoded, capture = decoded_with_recording(
            path, frame_inds, OpenCVForwardDecode(scale=(-1, 37)))
        np.testing.assert_array_equal(
            np.stack(decoded['imgs']), frames_in_order(path, frame_inds))
    assert capture.seeks == [127]
    assert reopened == []


def test_decord_random_access_is_wrong_on_mpeg4_avi_with_b_frames(
        b_frame_videos: Dict[str, Path]) -> None:
    """Why no mmprp pipeline decodes with decord (decord 0.6)."""
    path = b_frame_videos['mpeg4_avi']
    jumped = Resize((-1, 37))(decord_decoded(path, [60]))['imgs']
    assert not np.array_equal(jumped[0], frames_in_order(path, [60])[0])
