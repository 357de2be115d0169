# Runtime of every config: mmaction2's default runtime (default hooks, log
# processor, visualiser, environment) plus this plugin's registrations.
_base_ = 'mmaction::_base_/default_runtime.py'

custom_imports = dict(imports=['mmcl_plugin'], allow_failed_imports=False)

# Checkpoints and log lines of the 65-epoch NTU recipes (validation every 5
# epochs); configs with other schedules set their own intervals.
default_hooks = dict(
    checkpoint=dict(interval=5, max_keep_ckpts=3), logger=dict(interval=50))
