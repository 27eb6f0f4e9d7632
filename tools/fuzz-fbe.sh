#!/bin/sh
# Builds the FBE decoder fuzz target (tests/fuzz/fbe_decode_fuzz.c) with clang
# and libFuzzer + ASan + UBSan, outside meson, and runs it for a bounded time.
# Exits non-zero when the fuzzer finds a crash, a leak or an abort (the
# reproducer is left in the work directory).
#
#   tools/fuzz-fbe.sh [seconds]          default 20
#   FUZZ_DIR=dir tools/fuzz-fbe.sh       work directory (default: a temp dir)
#   CC=clang-14 tools/fuzz-fbe.sh
set -eu

seconds=${1:-20}
root=$(cd "$(dirname "$0")/.." && pwd)
cc=${CC:-clang}
dir=${FUZZ_DIR:-${TMPDIR:-/tmp}/troupe-fuzz-fbe}
mkdir -p "$dir/gen" "$dir/corpus"

python3 "$root/tools/fbec" -o "$dir/gen" "$root/proto/simple.fbe"
python3 "$root/tools/fbec" -o "$dir/gen" "$root/tests/protocols/fbe/alltypes.fbe"

"$cc" -std=gnu11 -D_GNU_SOURCE -g -O1 -fno-omit-frame-pointer \
  -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
  -I"$root/include" -I"$dir/gen" \
  "$root/tests/fuzz/fbe_decode_fuzz.c" "$root/tests/fuzz/fbe_fuzz_stubs.c" \
  "$dir/gen/simple.c" "$dir/gen/alltypes.c" \
  "$root"/protocols/fbe/*.c "$root/runtime/error.c" \
  -o "$dir/fbe_decode_fuzz" $(pkg-config --libs libuv) -lm

echo "fuzz-fbe: running for ${seconds}s in $dir"
# New inputs go to $dir/corpus; the checked-in seeds are read only.
"$dir/fbe_decode_fuzz" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
  -max_len=8192 -artifact_prefix="$dir/" -print_final_stats=1 \
  "$dir/corpus" "$root/tests/fuzz/corpus/fbe"
