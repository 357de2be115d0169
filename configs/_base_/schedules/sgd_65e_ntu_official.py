# The official CTR-GCN schedule on NTU RGB+D (github.com/Uason-Chen/CTR-GCN,
# config/nturgbd*/default.yaml, main.py): SGD (momentum 0.9, nesterov,
# weight decay 4e-4), lr 0.1 for a batch of 64, set once per epoch as
# main.py's adjust_learning_rate sets it: 0.1 x (epoch + 1) / 5 in epochs
# 0-4, then x0.1 from epochs 35 and 55; 65 epochs, validation every 5
# epochs.
max_epochs = 65
train_cfg = dict(
    type='EpochBasedTrainLoop',
    max_epochs=max_epochs,
    val_begin=1,
    val_interval=5)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

# MultiStepLR counts its milestones from its `begin`, so it begins at 0.
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
