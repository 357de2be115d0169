# Short CPU schedule of the CTR-GCN NW-UCLA joint baseline (the benchmark in
# benchmarks/results/nwucla_ctrgcn_joint.md): 5 epochs of the 5x repeated
# training set (25 passes, 1,600 iterations of batch 16) instead of 65,
# 1 warm-up epoch, then cosine decay to zero. Everything else is the full
# recipe.
_base_ = './ctrgcn_1xb16-joint-u52-65e_nwucla-xview-keypoint-3d.py'

max_epochs = 5
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
