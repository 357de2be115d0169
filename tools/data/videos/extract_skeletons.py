"""Your own labelled videos to an mmaction2 skeleton pickle.

``python tools/data/videos/extract_skeletons.py VIDEOS/ -o data/own.pkl``

``VIDEOS/`` holds one sub-folder per class (the class is the folder name;
classes sorted) or is a list file of ``relative/path label [split]``
lines. Every frame of every video goes through a pose backend
(``--backend blazepose``, the default: MediaPipe's BlazePose models,
several people; ``mmpose``: Faster R-CNN + HRNet), people are tracked
over the frames, the ``--max-persons`` most confident kept and short
gaps bridged, and the joints written in ``--layout coco17`` (2-D pixels)
or ``ntu25`` (NTU's joints in metres, sides as NTU labels them, plus
``keypoint_2d``). Without a split in the input, each class is split into
train / val (``--val-ratio``, ``--seed``). The pickle holds ``split``,
``annotations`` (``frame_dir``, ``label``, ``filename``, ``img_shape``,
``original_shape``, ``total_frames``, ``keypoint``, ``keypoint_score``
(``joint_score`` for ntu25, whose mmaction2 pipelines refuse a
``keypoint_score``), ``person_boxes``, ``fps``, ...) and ``classes``; the
split lists name videos by ``filename`` (as mmaction2's ``PoseDataset``
selects them); ``classes.txt`` is written beside it.

Resumable and parallel: ``--workers N`` processes, one result file per
video in ``<out stem>.work/`` (a re-run skips what is done); shards
(``--shard K --num-shards N``, or torchrun / slurm ranks) split the
videos and the last one done merges (``--merge`` merges at any time).
Failing videos are listed by name at the end (exit status 1);
``--strict`` stops at the first (exit status 2).
"""
from mmcl_tools.videos.cli import main

if __name__ == '__main__':
    main()
