# CTR-GCN's NTU RGB+D schedule: SGD (momentum 0.9, nesterov, weight decay
# 4e-4), lr 0.1 for a global batch of 64, 5 linear warm-up epochs, x0.1 at
# epochs 35 and 55, 65 epochs, validation every 5 epochs.
max_epochs = 65
train_cfg = dict(
    type='EpochBasedTrainLoop',
    max_epochs=max_epochs,
    val_begin=1,
    val_interval=5)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

# MultiStepLR counts its milestones from its `begin`: it begins at 0 so that
# the lr drops at the epochs of `milestones` (with begin=5 it dropped 5
# epochs late).
param_scheduler = [
    dict(
        type='LinearLR',
        start_factor=0.1,
        by_epoch=True,
        begin=0,
        end=5,
        convert_to_iter_based=True),
    dict(
        type='MultiStepLR',
        milestones=[35, 55],
        gamma=0.1,
        by_epoch=True,
        begin=0,
        end=max_epochs)
]
optim_wrapper = dict(
    optimizer=dict(
        type='SGD', lr=0.1, momentum=0.9, weight_decay=0.0004,
        nesterov=True))
auto_scale_lr = dict(enable=False, base_batch_size=64)
