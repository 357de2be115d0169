# Runtime of every config: mmaction2's default runtime (default hooks, log
# processor, visualiser, environment) plus this plugin's registrations.
_base_ = 'mmaction::_base_/default_runtime.py'

custom_imports = dict(imports=['mmcl_plugin'], allow_failed_imports=False)

# mmengine's Runner reading checkpoints (load_from, resume) weights-only,
# checksums verified (mmcl_plugin/engine/runner.py)
runner_type = 'SafeRunner'

# Checkpoints and log lines of the 65-epoch NTU recipes (validation every 5
# epochs); configs with other schedules set their own intervals.
# SafeCheckpointHook: mmengine's CheckpointHook with atomic, ordered saves
# and the RNG states for an exact resume. DatasetCheckHook: the datasets'
# class count and text-feature width against the model, before the first
# iteration. SkippedMediaHook: lists the training samples skipped for
# unreadable media (datasets with skip_bad_media) at each epoch's end.
# FiniteLossHook: stops at the first NaN/inf loss term, before any save.
# GracefulStopHook: SIGTERM/SIGINT save a resumable checkpoint, exit 75.
default_hooks = dict(
    checkpoint=dict(type='SafeCheckpointHook', interval=5, max_keep_ckpts=3),
    logger=dict(interval=50),
    dataset_check=dict(type='DatasetCheckHook'),
    skipped_media=dict(type='SkippedMediaHook'),
    finite_loss=dict(type='FiniteLossHook'),
    graceful_stop=dict(type='GracefulStopHook'))
