# Entry point: MMCL + CTR-GCN on NTU RGB+D 60 X-Sub (3-D joint) with the
# official CTR-GCN recipe (its test input is the official code's).
# `mim train mmaction configs/mmcl_ctrgcn_ntu60.py`
_base_ = 'ctrgcn/mmcl-ctrgcn_1xb64-joint-u64-65e_ntu60-xsub-keypoint-3d.py'
