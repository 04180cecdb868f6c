# Lists an ISO image through one pycdlib facade as JSON lines (used by discburn-testkit).
# argv: image facade(rr|joliet|iso) digests(0|1)
# Each line: {"path": "/a/b", "kind": "dir"|"file"|"symlink", "size": N, "target": T, "md5": HEX}
import hashlib
import json
import sys

import pycdlib

image, facade, digests = sys.argv[1], sys.argv[2], sys.argv[3] == "1"
key = {"rr": "rr_path", "joliet": "joliet_path", "iso": "iso_path"}[facade]
iso = pycdlib.PyCdlib()
iso.open(image)


class Md5Sink:
    def __init__(self):
        self.count = 0
        self.md5 = hashlib.md5()

    def write(self, data):
        self.count += len(data)
        self.md5.update(data)
        return len(data)


def emit(entry):
    sys.stdout.write(json.dumps(entry) + "\n")


for dirpath, dirs, files in iso.walk(**{key: "/"}):
    base = dirpath.rstrip("/")
    for d in dirs:
        emit({"path": base + "/" + d, "kind": "dir"})
    for f in files:
        path = base + "/" + f
        rec = iso.get_record(**{key: path})
        if facade == "rr" and rec.rock_ridge is not None and rec.is_symlink():
            target = rec.rock_ridge.symlink_path()
            emit({"path": path, "kind": "symlink", "target": target.decode("utf-8")})
            continue
        if rec.is_dir():
            # ECMA-119 facade: the placeholder of a relocated directory (RRIP CL) is
            # recorded as an empty file; pycdlib resolves it to the directory.
            entry = {"path": path, "kind": "file", "size": 0}
            if digests:
                entry["md5"] = hashlib.md5().hexdigest()
            emit(entry)
            continue
        # File data through the ISO 9660 record: pycdlib's Rock Ridge lookup of a
        # multi-extent file finds its last extent only.
        if facade == "rr":
            data_key = {"iso_path": iso.full_path_from_dirrecord(rec, rockridge=False)}
            rec = iso.get_record(**data_key)
        else:
            data_key = {key: path}
        size = 0
        chunk = rec
        while chunk is not None:
            size += chunk.data_length
            chunk = chunk.data_continuation
        entry = {"path": path, "kind": "file", "size": size}
        if digests:
            sink = Md5Sink()
            if size > 0:  # (symlinks show as empty files outside Rock Ridge)
                iso.get_file_from_iso_fp(sink, **data_key)
            if sink.count != size:
                raise SystemExit(f"{path}: read {sink.count} bytes of {size}")
            entry["md5"] = sink.md5.hexdigest()
        emit(entry)
