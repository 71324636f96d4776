"""Tests of PlaybackRateSampler: exact frame indices and index maps."""
import numpy as np
import pytest

from mmprp.datasets.transforms import PlaybackRateSampler, VideoTooShortError


def sample(sampler: PlaybackRateSampler,
           total_frames: int = 300,
           **extra) -> dict:
    return sampler.transform(dict(total_frames=total_frames, **extra))


def decoded_offsets(results: dict) -> np.ndarray:
    """Decoded frames relative to the window start."""
    return results['frame_inds'] - results['frame_inds'][0]


@pytest.mark.parametrize('rate,num_decoded', [(1, 16), (2, 32), (4, 40),
                                              (8, 56)])
def test_distinct_frames_per_rate(rate: int, num_decoded: int) -> None:
    results = sample(PlaybackRateSampler(rates=(rate, )))
    assert len(results['frame_inds']) == num_decoded
    assert results['clip_len'] == num_decoded
    assert results['num_clips'] == 1
    assert np.all(np.diff(results['frame_inds']) > 0)


@pytest.mark.parametrize('rate', [1, 2, 4, 8])
def test_clip_is_every_rate_th_frame(rate: int) -> None:
    results = sample(PlaybackRateSampler(rates=(rate, )))
    clip = decoded_offsets(results)[results['clip_inds']]
    np.testing.assert_array_equal(clip, np.arange(16) * rate)
    assert results['playback_rate'] == rate
    assert results['rate_label'] == 0


def test_target_real_frames_for_rate_at_least_recon_rate() -> None:
    results = sample(PlaybackRateSampler(rates=(8, ), recon_rate=2))
    offsets = decoded_offsets(results)
    lower = offsets[results['target_inds'][:, 0]]
    upper = offsets[results['target_inds'][:, 1]]
    np.testing.assert_array_equal(lower, np.arange(32) * 4)
    np.testing.assert_array_equal(upper, lower)
    assert results['target_valid'].all()
    assert not results['target_weights'].any()


def test_target_interpolated_for_rate_below_recon_rate() -> None:
    results = sample(PlaybackRateSampler(rates=(1, ), recon_rate=2))
    offsets = decoded_offsets(results)
    lower = offsets[results['target_inds'][:, 0]]
    upper = offsets[results['target_inds'][:, 1]]
    # [f0, (f0+f1)/2, f1, ..., f14, (f14+f15)/2, f15, f15]
    np.testing.assert_array_equal(lower, np.repeat(np.arange(16), 2))
    np.testing.assert_array_equal(
        upper, np.minimum(np.arange(32) // 2 + np.arange(32) % 2, 15))
    expected_weights = np.tile([0., .5], 16)
    expected_weights[-1] = 0.
    np.testing.assert_array_equal(results['target_weights'], expected_weights)
    np.testing.assert_array_equal(results['target_valid'],
                                  np.tile([True, False], 16))


def test_target_quarter_steps_for_recon_rate_four() -> None:
    results = sample(PlaybackRateSampler(rates=(2, ), recon_rate=4))
    offsets = decoded_offsets(results)
    lower = offsets[results['target_inds'][:, 0]]
    assert len(lower) == 64
    np.testing.assert_array_equal(lower[:6], [0, 0, 1, 1, 2, 2])
    np.testing.assert_array_equal(results['target_weights'][:4],
                                  [0., .5, 0., .5])
    np.testing.assert_array_equal(results['target_valid'][:4],
                                  [True, False, True, False])


def test_sparse_attention_frames() -> None:
    results = sample(PlaybackRateSampler(rates=(4, ), attention='sparse'))
    offsets = decoded_offsets(results)
    attention = offsets[results['attention_inds']]
    expected = np.arange(4)[:, None] * 16 + np.array([0, 5, 10, 15])
    np.testing.assert_array_equal(attention, expected)


def test_dense_attention_decodes_whole_window() -> None:
    results = sample(PlaybackRateSampler(rates=(2, ), attention='dense'))
    np.testing.assert_array_equal(
        decoded_offsets(results)[results['attention_inds']], np.arange(32))
    assert len(results['frame_inds']) == 32


def test_no_attention_writes_no_attention_frames() -> None:
    results = sample(PlaybackRateSampler(rates=(8, ), attention=None))
    assert 'attention_inds' not in results
    assert len(results['frame_inds']) == 32


def test_window_bounds_and_start_index() -> None:
    sampler = PlaybackRateSampler(rates=(8, ))
    np.random.seed(0)
    starts = set()
    for _ in range(200):
        results = sample(sampler, total_frames=130, start_index=1)
        first, last = results['frame_inds'][0], results['frame_inds'][-1]
        assert first >= 1 and last <= 130
        assert last - first == 127
        starts.add(first)
    assert starts == {1, 2, 3}


def test_rates_drawn_uniformly() -> None:
    sampler = PlaybackRateSampler()
    np.random.seed(1)
    labels = [sample(sampler)['rate_label'] for _ in range(4000)]
    counts = np.bincount(labels, minlength=4)
    assert np.all(np.abs(counts - 1000) < 100), counts


def test_too_short_video_keeps_drawn_rate_for_the_refetch() -> None:
    sampler = PlaybackRateSampler()
    np.random.seed(3)
    drawn = []
    for _ in range(400):
        results = sample(sampler, total_frames=40)
        while results is None:
            # what mmengine's BaseDataset does: fetch another (long) video
            results = sample(sampler, total_frames=300)
        drawn.append(results['rate_label'])
    counts = np.bincount(drawn, minlength=4)
    assert counts[2] > 60 and counts[3] > 60, counts


def test_test_mode_is_deterministic_and_centred() -> None:
    sampler = PlaybackRateSampler(test_mode=True)
    first = sample(sampler, total_frames=200, filename='a/v_x.mp4')
    for _ in range(5):
        again = sample(sampler, total_frames=200, filename='a/v_x.mp4')
        np.testing.assert_array_equal(again['frame_inds'], first['frame_inds'])
    window = 16 * first['playback_rate']
    assert first['frame_inds'][0] == (200 - window) // 2
    labels = {
        sample(sampler, filename=f'v{i}.mp4')['rate_label']
        for i in range(40)
    }
    assert labels == {0, 1, 2, 3}


def test_test_mode_short_video_uses_largest_fitting_rate() -> None:
    sampler = PlaybackRateSampler(test_mode=True)
    labels = [
        sample(sampler, total_frames=40, filename=f'v{i}')['rate_label']
        for i in range(40)
    ]
    assert max(labels) == 1 and min(labels) == 0
    with pytest.raises(ValueError, match=r'v_short.*10 frames.*16'):
        sample(sampler, total_frames=10, filename='v_short')


@pytest.mark.parametrize('kwargs,match', [
    (dict(rates=()), 'strictly increasing'),
    (dict(rates=(2, 1)), 'strictly increasing'),
    (dict(rates=(0, 1)), 'positive'),
    (dict(rates=(1, 3)), r'rates \[3\] do not divide 32'),
    (dict(attention='gaussian'), '`attention`'),
    (dict(clip_len=2), '`clip_len`'),
    (dict(recon_rate=0), '`recon_rate`'),
    (dict(rates=(1, 3), attention=None), r'target of rates \[3\]'),
    (dict(rates=(1, 2), recon_rate=3,
          attention=None), r'target of rates \[2\].*powers of two'),
])
def test_invalid_arguments(kwargs: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        PlaybackRateSampler(**kwargs)


@pytest.mark.parametrize('rates,shown', [
    ((1, 2.5, 4, 8), r'got 2\.5 in \(1, 2\.5, 4, 8\)'),
    ((0.5, 1, 2, 4), r'got 0\.5 in \(0\.5, 1, 2, 4\)'),
    ([1.0, 2], r'got 1\.0 in \(1\.0, 2\)'),
    ((True, 2), r'got True in \(True, 2\)'),
    (('1', '2'), r"got '1' in \('1', '2'\)"),
    (8, r'a sequence of integers, got 8'),
    ('12', r"a sequence of integers, got '12'"),
])
def test_non_integer_rates_are_refused_as_written(rates, shown) -> None:
    with pytest.raises(ValueError, match=r'`rates` must be .*' + shown):
        PlaybackRateSampler(rates=rates)


def test_numpy_integer_rates_become_ints() -> None:
    sampler = PlaybackRateSampler(rates=list(np.array([1, 2], np.int64)))
    assert sampler.rates == (1, 2)
    assert all(type(rate) is int for rate in sampler.rates)


def test_num_rates_is_handed_to_the_model() -> None:
    assert sample(PlaybackRateSampler(rates=(1, 2, 4)))['num_rates'] == 3
    assert sample(
        PlaybackRateSampler(test_mode=True),
        filename='v.mp4')['num_rates'] == 4


def test_test_mode_rate_follows_the_list_entry_not_the_root() -> None:
    sampler = PlaybackRateSampler(test_mode=True)
    entries = [f'Class{i % 3}/v_{i}.avi' for i in range(40)]
    for entry in entries:
        labels = {
            sample(
                sampler, filename=f'{root}/{entry}',
                relative_filename=entry)['rate_label']
            for root in ('/data/ucf101', '/mnt/moved/videos', 'videos')
        }
        assert len(labels) == 1, entry
    assert {
        sample(sampler, filename=f'/x/{entry}',
               relative_filename=entry)['rate_label']
        for entry in entries
    } == {0, 1, 2, 3}


def test_test_mode_rate_without_list_entry_uses_the_file_name() -> None:
    # MMAction2's VideoDataset gives only the joined path
    sampler = PlaybackRateSampler(test_mode=True)
    for i in range(40):
        labels = {
            sample(sampler, filename=f'{root}/v_{i}.avi')['rate_label']
            for root in ('/data/ucf101/Class', '/elsewhere', 'rel')
        }
        assert len(labels) == 1


def test_repr() -> None:
    assert repr(PlaybackRateSampler(rates=(1, 2), attention=None)) == (
        'PlaybackRateSampler(rates=(1, 2), clip_len=16, recon_rate=2, '
        'attention=None, test_mode=False)')


def test_video_too_short_for_every_rate_is_named_in_training() -> None:
    sampler = PlaybackRateSampler()
    with sampler.rate_kept_on_error(), pytest.raises(
            VideoTooShortError, match=r'v_tiny.mp4 has 9 frames'):
        sample(sampler, total_frames=9, filename='v_tiny.mp4')
    # nothing was drawn for it, so no rate is kept for the next sample
    labels = {
        sample(sampler, rng=np.random.default_rng(seed))['rate_label']
        for seed in range(20)
    }
    assert labels == {0, 1, 2, 3}


def test_consecutive_too_short_videos_are_bounded() -> None:
    sampler = PlaybackRateSampler(rates=(1, 8), max_retries=5)
    sampler.keep_rate(1)
    for _ in range(4):
        assert sample(sampler, total_frames=20) is None
    with pytest.raises(
            RuntimeError,
            match=r'5 videos in a row.*rate 8 '
            r'\(128 frames\).*scan_videos'):
        sample(sampler, total_frames=20)


def test_keep_rate_gives_the_label_to_the_next_sample() -> None:
    sampler = PlaybackRateSampler()
    sampler.keep_rate(3)
    assert sample(sampler)['rate_label'] == 3


def test_a_rate_drawn_before_an_error_goes_to_the_next_sample() -> None:
    sampler = PlaybackRateSampler()
    for seed in range(8):
        with pytest.raises(OSError), sampler.rate_kept_on_error():
            failed = sample(sampler, rng=np.random.default_rng(seed))
            raise OSError('the video broke after the draw')
        replacement = sample(sampler, rng=np.random.default_rng(seed + 100))
        assert replacement['rate_label'] == failed['rate_label']


def test_rate_and_window_come_from_the_samples_generator() -> None:
    sampler = PlaybackRateSampler()
    np.random.seed(0)
    drawn = [
        sample(sampler, rng=np.random.default_rng(seed)) for seed in range(20)
        for _ in range(2)
    ]
    for first, again in zip(drawn[::2], drawn[1::2]):
        assert first['rate_label'] == again['rate_label']
        np.testing.assert_array_equal(first['frame_inds'], again['frame_inds'])
    assert len({result['rate_label'] for result in drawn}) == 4
    assert len({result['frame_inds'][0] for result in drawn}) > 4
    # numpy's global generator is left alone
    assert np.random.randint(1 << 30) == np.random.RandomState(0).randint(
        1 << 30)
