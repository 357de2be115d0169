"""Class folders and list files: classes, labels, splits, names."""
import pytest

from mmcl_tools.videos.video_list import (VideoListError, load_video_list,
                                          stratified_split)


def touch(path):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b'x')


def test_class_folders_with_spaces_unicode_and_duplicates(tmp_path):
    for rel in ['wave hands/a.mp4', 'wave hands/b.MOV', 'überkreuz/a.mp4',
                'überkreuz/sub/c.avi', 'überkreuz/notes.txt',
                'überkreuz/.hidden.mp4', 'jump/a.mp4', 'jump/a.avi']:
        touch(tmp_path / rel)
    samples, classes = load_video_list(str(tmp_path), val_ratio=0)
    assert classes == ['jump', 'wave hands', 'überkreuz']
    by_file = {s.filename: s for s in samples}
    assert sorted(by_file) == sorted([
        'wave hands/a.mp4', 'wave hands/b.MOV', 'überkreuz/a.mp4',
        'überkreuz/sub/c.avi', 'jump/a.mp4', 'jump/a.avi'
    ])
    names = [s.frame_dir for s in samples]
    assert len(set(names)) == len(names)  # a.mp4 in three classes
    assert by_file['überkreuz/a.mp4'].frame_dir == 'überkreuz__a'
    assert by_file['jump/a.avi'].frame_dir == 'jump__a.avi'  # only the ext
    assert by_file['wave hands/b.MOV'].label == 1
    assert all(s.split == 'train' for s in samples)
    assert by_file['überkreuz/a.mp4'].path == str(tmp_path / 'überkreuz' /
                                                  'a.mp4')


def test_empty_class_is_named_at_start(tmp_path):
    touch(tmp_path / 'run' / 'a.mp4')
    (tmp_path / 'sit down').mkdir()
    touch(tmp_path / 'stand up' / 'readme.txt')
    with pytest.raises(VideoListError, match="'sit down', 'stand up'"):
        load_video_list(str(tmp_path))


def test_list_file_with_splits_and_spaces(tmp_path):
    touch(tmp_path / 'videos' / 'my clip 1.mp4')
    touch(tmp_path / 'videos' / 'b.mp4')
    listing = tmp_path / 'list.txt'
    listing.write_text('# path label split\nvideos/my clip 1.mp4 2 val\n'
                       'videos/b.mp4 10 train\n', encoding='utf-8')
    samples, classes = load_video_list(str(listing))
    assert classes == ['2', '10']  # integers by value
    assert [(s.filename, s.label, s.split) for s in samples] == [
        ('videos/my clip 1.mp4', 0, 'val'), ('videos/b.mp4', 1, 'train')
    ]


def test_list_file_errors_name_the_line_or_file(tmp_path):
    listing = tmp_path / 'list.txt'
    listing.write_text('a.mp4 run\nlonely\n')
    with pytest.raises(VideoListError, match='list.txt line 2'):
        load_video_list(str(listing))
    listing.write_text('a.mp4 run\nb.mp4 walk\n')
    touch(tmp_path / 'a.mp4')
    with pytest.raises(VideoListError, match='not found .*: b.mp4'):
        load_video_list(str(listing))
    with pytest.raises(VideoListError, match='no such folder'):
        load_video_list(str(tmp_path / 'nothing'))


def test_stratified_split_is_seeded_and_per_class():
    labels = [0] * 10 + [1] * 5 + [2] * 1
    split = stratified_split(labels, 0.2, seed=3)
    assert split == stratified_split(labels, 0.2, seed=3)
    assert split != stratified_split(labels, 0.2, seed=4)
    val = [lab for lab, s in zip(labels, split) if s == 'val']
    assert val.count(0) == 2 and val.count(1) == 1 and val.count(2) == 0
