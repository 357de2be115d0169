# HD-GCN's NTU RGB+D schedule (github.com/Jho-Yonsei/HD-GCN,
# config/nturgbd*/*.yaml and main.py's adjust_learning_rate): SGD (momentum
# 0.9, nesterov, weight decay 4e-4), lr 0.1 for a global batch of 64, 5
# warm-up epochs, then a cosine decay per iteration from 0.1 to 1e-4
# (base_lr * lr_ratio 0.001) at the end of epoch 90; validation every 5
# epochs. The warm-up is linear per iteration, as in sgd_65e_ntu.py (the
# official code raises the lr once per epoch).
max_epochs = 90
warmup_epochs = 5
train_cfg = dict(
    type='EpochBasedTrainLoop',
    max_epochs=max_epochs,
    val_begin=1,
    val_interval=5)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

param_scheduler = [
    dict(
        type='LinearLR',
        start_factor=0.1,
        by_epoch=True,
        begin=0,
        end=warmup_epochs,
        convert_to_iter_based=True),
    dict(
        type='CosineAnnealingLR',
        T_max=max_epochs - warmup_epochs,
        eta_min=1e-4,
        by_epoch=True,
        begin=warmup_epochs,
        end=max_epochs,
        convert_to_iter_based=True)
]
optim_wrapper = dict(
    optimizer=dict(
        type='SGD', lr=0.1, momentum=0.9, weight_decay=0.0004,
        nesterov=True))
auto_scale_lr = dict(enable=False, base_batch_size=64)
