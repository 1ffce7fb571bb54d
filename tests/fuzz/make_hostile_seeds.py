#!/usr/bin/python3
"""Writes the crafted (hostile) seeds of the dataset and checkpoint fuzz targets.

Each starts from a valid seed made by s2s itself (corpus/dataset/reverse_small.h5,
corpus/checkpoint/gru_sgd.h5) and breaks one thing a reader must not take on trust: declared
sizes far beyond the file (chunked datasets whose chunks are never written, so the file stays
small), offsets out of range or decreasing, wrong element types and shapes, wrong attribute types.
libFuzzer mutates from these; they also replay as regression inputs on every fuzz run.
Usage: /usr/bin/python3 tests/fuzz/make_hostile_seeds.py   (needs h5py: Debian python3-h5py)
"""
import os
import shutil

import h5py
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
DS_SEED = os.path.join(HERE, "corpus", "dataset", "reverse_small.h5")
CK_SEED = os.path.join(HERE, "corpus", "checkpoint", "gru_sgd.h5")


def variant(seed, out, edit):
    shutil.copyfile(seed, out)
    with h5py.File(out, "r+") as f:
        edit(f)
    # Repack: drops the space the edits freed so the seed stays small.
    tmp = out + ".tmp"
    os.replace(out, tmp)
    rc = os.system(f"h5repack '{tmp}' '{out}' >/dev/null 2>&1")
    if rc != 0:
        os.replace(tmp, out)
    else:
        os.remove(tmp)


def replace(g, name, data=None, **kw):
    attrs = dict(g[name].attrs)
    del g[name]
    ds = g.create_dataset(name, data=data, **kw)
    for k, v in attrs.items():
        ds.attrs[k] = v
    return ds


def huge(g, name, rows, dtype):
    # Declares `rows` rows but writes no chunk: a few hundred bytes on disk.
    replace(g, name, shape=(rows,), dtype=dtype, chunks=(4096,), compression="gzip")


def ds_huge_num_examples(f):  # issue 15 item 7: 2^31 examples declared in a small file
    b = f["train/bucket_1"]
    n = 2**31
    b.attrs["num_examples"] = n
    huge(b, "line", n, "int64")
    huge(b, "source_offsets", n + 1, "int64")
    huge(b, "target_offsets", n + 1, "int64")


def ds_bad_offsets(f):  # offsets past the ids and decreasing
    b = f["train/bucket_1"]
    b["source_offsets"][...] = np.array([0, 5, 2, 1_000_000_000], dtype=np.int64)


def ds_negative_offsets(f):
    b = f["train/bucket_1"]
    b["target_offsets"][...] = np.array([-7, -3, 0, 6], dtype=np.int64)


def ds_float_ids(f):  # ids stored as float (silently truncated by a converting read)
    b = f["train/bucket_1"]
    replace(b, "source_ids", data=np.array([1.5, 2.7, 3.0, 4.0, 5.9, 6.0], dtype=np.float64))


def ds_ids_out_of_vocab(f):
    b = f["train/bucket_1"]
    b["target_ids"][...] = np.array([2**31 - 1, -1, 4, 5, 6, 7], dtype=np.int32)


def ds_2d_offsets(f):
    b = f["train/bucket_0"]
    replace(b, "source_offsets", data=np.zeros((2, 2), dtype=np.int64))


def ds_string_num_examples(f):
    f["train/bucket_0"].attrs["num_examples"] = "1"


def ds_buckets_odd(f):
    f.attrs["buckets"] = np.array([2, 3, 3], dtype=np.int64)


def ds_vocab_ints(f):
    del f["vocab/source"]
    f.create_dataset("vocab/source", data=np.arange(9, dtype=np.int32))


def ck_huge_param(f):  # a parameter declaring 2^40 floats in a small file
    g = f["params/embedding_attention_seq2seq/embedding_attention_decoder"]
    replace(g, "embedding", shape=(2**20, 2**20), dtype="float32", chunks=(64, 64), compression="gzip")


def ck_huge_losses(f):
    huge(f["state"], "previous_losses", 2**34, "float64")


def ck_string_step(f):
    replace(f["state"], "global_step", data=np.bytes_("12"))


def ck_crc_string(f):
    f["state/learning_rate"].attrs["crc32c"] = "0x1234"


def ck_rng_shape(f):
    g = f["rng"]
    name = next(iter(g.keys()))
    replace(g, name, data=np.arange(4, dtype=np.uint64))


def ck_losses_2d(f):
    replace(f["state"], "previous_losses", data=np.zeros((2, 3), dtype=np.float64))


def ck_step_int8(f):
    replace(f["state"], "global_step", data=np.int8(3))


def ck_config_empty(f):
    replace(f["meta"], "config_yaml", data=np.array([], dtype=h5py.string_dtype()))


def main():
    ds_dir = os.path.join(HERE, "corpus", "dataset")
    ck_dir = os.path.join(HERE, "corpus", "checkpoint")
    for fn in [ds_huge_num_examples, ds_bad_offsets, ds_negative_offsets, ds_float_ids, ds_ids_out_of_vocab,
               ds_2d_offsets, ds_string_num_examples, ds_buckets_odd, ds_vocab_ints]:
        variant(DS_SEED, os.path.join(ds_dir, "hostile_" + fn.__name__[3:] + ".h5"), fn)
    for fn in [ck_huge_param, ck_huge_losses, ck_string_step, ck_crc_string, ck_rng_shape, ck_losses_2d,
               ck_step_int8, ck_config_empty]:
        variant(CK_SEED, os.path.join(ck_dir, "hostile_" + fn.__name__[3:] + ".h5"), fn)


if __name__ == "__main__":
    main()
