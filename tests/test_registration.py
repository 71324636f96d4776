"""``custom_imports=['mmprp']`` registers mmprp into MMAction2's registries."""
import subprocess
import sys
import textwrap

COMPONENTS = {
    'TRANSFORMS': [
        'DecordInitByPath', 'OpenCVForwardDecode', 'OpenCVInitByPath',
        'PackPRPInputs', 'PlaybackRateSampler'
    ],
    'MODELS': [
        'SelfSupRecognizer', 'Recognizer3DWithInit', 'VideoFeatureExtractor',
        'C3DEncoder', 'FactorisedConv3d', 'PRPHead', 'MotionAttentionDecoder',
        'MotionAttentionMSELoss', 'PathwayConcatNeck', 'FramesToClipNeck'
    ],
    'METRICS':
    ['ClassificationLossMetric', 'PretextLossMetric', 'VideoRetrievalMetric'],
    'WEIGHT_INITIALIZERS': ['TorchLegacyInit'],
    'DATASETS':
    ['FinetuneVideoDataset', 'PRPVideoDataset', 'RetrievalVideoDataset'],
    'DATA_SAMPLERS': ['SeededSampler'],
    'HOOKS': [
        'BadVideoReportHook', 'CheckpointMatchHook', 'ChannelsLast3dHook',
        'LabelRangeHook', 'NonEmptyDataloaderHook', 'NonFiniteLossHook',
        'PlainCheckpointHook', 'RetrievalMonitorHook', 'SafeCheckpointHook'
    ],
    'OPTIM_WRAPPER_CONSTRUCTORS': ['AmpFallbackOptimWrapperConstructor'],
}


def test_custom_imports_register_buildable_components(tmp_path) -> None:
    config = tmp_path / 'plugin_config.py'
    config.write_text(
        textwrap.dedent("""\
        default_scope = 'mmaction'
        custom_imports = dict(imports=['mmprp'], allow_failed_imports=False)
        model = dict(
            type='SelfSupRecognizer',
            backbone=dict(type='C3DEncoder', base_channels=4),
            rate_head=dict(type='PRPHead', num_classes=4, in_channels=32))
        sampler = dict(type='PlaybackRateSampler', rates=(1, 2, 4, 8))
        """))
    code = textwrap.dedent(f"""\
        import sys
        from mmengine import Config
        from mmengine.registry import init_default_scope
        assert 'mmprp' not in sys.modules
        cfg = Config.fromfile({str(config)!r})
        assert 'mmprp' in sys.modules
        init_default_scope(cfg.default_scope)
        import mmaction.registry
        registries = {{name: getattr(mmaction.registry, name)
                      for name in {list(COMPONENTS)!r}}}
        MODELS, TRANSFORMS = registries['MODELS'], registries['TRANSFORMS']
        for registry, names in {COMPONENTS!r}.items():
            for name in names:
                assert registries[registry].get(name) is not None, name
        model = MODELS.build(cfg.model)
        sampler = TRANSFORMS.build(cfg.sampler)
        print(type(model).__module__, type(sampler).__module__)
        """)
    result = subprocess.run([sys.executable, '-c', code],
                            text=True,
                            capture_output=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        'mmprp.models.recognizers.selfsup_recognizer',
        'mmprp.datasets.transforms.playback_rate_sampler'
    ]
