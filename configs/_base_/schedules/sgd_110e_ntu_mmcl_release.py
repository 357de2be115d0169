# The MMCL release's NTU120 X-Sub schedule (github liujf69/MMCL-Action,
# config/nturgbd120-cross-subject/joint.yaml, main_MMCL.py): SGD (momentum
# 0.9, nesterov, weight decay 4e-4), lr 0.1 for a batch of 200 on 2 GPUs,
# set once per epoch as main_MMCL.py's adjust_learning_rate sets it:
# 0.1 x (epoch + 1) / 5 in epochs 0-4, then x0.1 from epochs 90 and 100;
# 110 epochs, validation every 5 epochs.
max_epochs = 110
train_cfg = dict(
    type='EpochBasedTrainLoop',
    max_epochs=max_epochs,
    val_begin=1,
    val_interval=5)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

# Epoch-based (not per iteration): LinearLR gives 1/5, 2/5, ..., 5/5 of the
# lr in epochs 0-4. MultiStepLR counts its milestones from its `begin`, so
# it begins at 0 (main_MMCL.py compares the epoch itself with the steps).
param_scheduler = [
    dict(
        type='LinearLR',
        start_factor=1 / 5,
        end_factor=1.0,
        by_epoch=True,
        begin=0,
        end=5),
    dict(
        type='MultiStepLR',
        milestones=[90, 100],
        gamma=0.1,
        by_epoch=True,
        begin=0,
        end=max_epochs)
]
optim_wrapper = dict(
    optimizer=dict(
        type='SGD', lr=0.1, momentum=0.9, weight_decay=0.0004,
        nesterov=True))
auto_scale_lr = dict(enable=False, base_batch_size=200)
