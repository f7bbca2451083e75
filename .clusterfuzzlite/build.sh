#!/bin/bash -eu
# Builds one fuzz target per clean scenario variant (the ones `pyfuzz list` expects clean).
# The Rust core is not sanitized or sancov-instrumented: the search is guided by the model's
# own counters, which the core registers with the preloaded libFuzzer at start-up.
unset RUSTFLAGS CFLAGS CXXFLAGS
pip3 install .
PKG_DIR=$(python3 -c 'import os, pyfuzz; print(os.path.dirname(pyfuzz.__file__))')
for spec in $(python3 -c '
from pyfuzz.scenarios import builtin_scenarios
for name, (sc, _) in builtin_scenarios().items():
    for variant, expect in sc.expect.items():
        if expect.strip().lower() == "clean":
            print(f"{name}:{variant}")
'); do
  name="fuzz_$(echo "$spec" | tr ':-' '__')"
  python3 -m pyfuzz.target --write-script "$spec" "$SRC/$name.py"
  # The model sources are read as files at run time: ship the package directory as data.
  compile_python_fuzzer "$SRC/$name.py" \
    --hidden-import=pyfuzz._core --hidden-import=orjson \
    --add-data "$PKG_DIR:pyfuzz"
done
