# Short CPU schedule of the NW-UCLA CTR-GCN joint baseline, run by
# benchmarks/nwucla_side_by_side.py against the official CTR-GCN code: 2
# epochs of the 5x repeated training set (318 iterations of batch 16 each,
# the incomplete last batch dropped), a linear warm-up from lr 0.01 over
# the first epoch, then cosine decay to 0 (both per iteration), validation
# after every epoch. The harness imposes the same lr per iteration on the
# official code. Everything else is the 65-epoch baseline's.
_base_ = './ctrgcn_1xb16-joint-u52-65e_nwucla-xview-keypoint-3d.py'

default_hooks = dict(logger=dict(interval=20))
max_epochs = 2
train_cfg = dict(max_epochs=max_epochs, val_begin=1, val_interval=1)
param_scheduler = [
    dict(
        type='LinearLR',
        start_factor=0.1,
        by_epoch=True,
        begin=0,
        end=1,
        convert_to_iter_based=True),
    dict(
        type='CosineAnnealingLR',
        T_max=max_epochs - 1,
        eta_min=0,
        by_epoch=True,
        begin=1,
        end=max_epochs,
        convert_to_iter_based=True)
]
# CPU config: DDP (tools/dist_train.sh) without CUDA device ids
model_wrapper_cfg = dict(
    type='CPUDistributedDataParallel', broadcast_buffers=False)
