"""Fuzz campaigns (`pyfuzz fuzz`): long searches that end in one crash.json per distinct bug.

`outdir` owns the campaign directory (corpus, crashes, stats), `sink` turns findings into
deduplicated, minimized crash files, `libfuzzer` registers the model-state counters with
libFuzzer, `harness` runs atheris in this process, `batch` runs the batch strategies, and
`supervisor` runs several workers on all cores with one progress line and one summary.
"""
