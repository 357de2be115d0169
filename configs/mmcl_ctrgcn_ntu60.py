# Entry point: MMCL + CTR-GCN on NTU RGB+D 60 X-Sub (3-D joint).
# `mim train mmaction configs/mmcl_ctrgcn_ntu60.py`
_base_ = 'mmcl/mmcl-ctrgcn_4xb16-joint-u64-65e_ntu60-xsub-keypoint-3d.py'
