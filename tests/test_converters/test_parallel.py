"""mmcl_tools.converters.parallel: a file that kills its worker
process is a failure named by the file; the others are converted."""
import os

from mmcl_tools.converters.parallel import WORKER_DIED, convert_files


def parse_or_die(raw: bytes, file_name: str) -> dict:
    if raw == b'crash':
        os._exit(3)  # as a parser killed for memory would
    if raw == b'bad':
        raise ValueError(f'{file_name}: malformed')
    return dict(frame_dir=file_name[:-4], text=raw.decode())


def test_a_crashing_file_is_listed_and_the_rest_converted(tmp_path):
    for name, text in (('a', 'x'), ('b', 'crash'), ('c', 'bad'), ('d', 'y'),
                       ('e', 'z')):
        (tmp_path / f'{name}.txt').write_text(text)
    annotations, failures = convert_files([str(tmp_path)], ('.txt', ),
                                          parse_or_die, ValueError,
                                          workers=2, chunksize=2)
    assert [a['frame_dir'] for a in annotations] == ['a', 'd', 'e']
    assert failures == [f'b.txt: {WORKER_DIED}', 'c.txt: malformed']
