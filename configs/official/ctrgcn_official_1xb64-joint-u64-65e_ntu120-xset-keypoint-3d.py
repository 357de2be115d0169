# Official CTR-GCN recipe, NTU RGB+D 120 X-Set, 3-D joint stream: the shared
# NTU base with the NTU120 annotation file, 120 classes, cross-setup split
# (even / odd setups).
_base_ = './_base_/ctrgcn_official_ntu.py'

ann_file = 'data/skeleton/ntu120_3d.pkl'
num_classes = 120

model = dict(cls_head=dict(num_classes=num_classes))
train_dataloader = dict(dataset=dict(ann_file=ann_file, split='xset_train'))
val_dataloader = dict(dataset=dict(ann_file=ann_file, split='xset_val'))
test_dataloader = dict(dataset=dict(ann_file=ann_file, split='xset_val'))
