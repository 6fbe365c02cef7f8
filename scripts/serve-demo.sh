#!/usr/bin/env bash
# Migrates one disk image under the same fio workload through `lmsnoop serve`, once per
# tracking method, checks each target with `qemu-img compare`, and tabulates the runs
# (the `compare` table, from real I/O) with a chart of the passes.
# Needs fio and qemu-utils (scripts/test.sh installs them). Listens on 127.0.0.1 only.
# Usage: scripts/serve-demo.sh [OUTDIR]        (default target/serve-demo)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-target/serve-demo}
for pair in fio:fio qemu-img:qemu-utils; do
    command -v "${pair%%:*}" >/dev/null || { echo "${pair%%:*} is missing: apt-get install ${pair##*:}" >&2; exit 1; }
done
cargo build --release -q
bin=target/release/lmsnoop
mkdir -p "$out"
size=256M
# One image for every run: random data, so every granule is mapped.
[ -s "$out/image.img" ] || head -c "$size" /dev/urandom > "$out/image.img"
port=${LMSNOOP_DEMO_PORT:-10850}
for method in naive cursor bitmap clear; do
    src="$out/src-$method.img" dst="$out/dst-$method.img"
    cp "$out/image.img" "$src"
    rm -f "$dst"
    "$bin" serve --source "$src" --target "$dst" --listen "127.0.0.1:$port" --method "$method" \
        --granule 64KiB --copy-rate 128MiB --threshold 256 --quiet --json "$out/$method.json" \
        > "$out/$method.txt" 2> "$out/$method.log" &
    pid=$!
    for _ in $(seq 200); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.05; done
    # 2,000 random 4 KiB writes a second, skewed (zipf 1.2), for 8 s: longer than pass 0
    # takes at 128 MiB/s, so the later passes, the final one and the mirrored writes after
    # it all happen under load.
    fio --name=demo --ioengine=nbd --uri="nbd://127.0.0.1:$port" --rw=randwrite --bs=4k \
        --iodepth=16 --size="$size" --time_based --runtime=8 --rate_iops=2000 \
        --random_distribution=zipf:1.2 --randseed=42 --output=/dev/null
    kill -INT "$pid"
    wait "$pid"
    qemu-img compare -q -f raw -F raw "$src" "$dst" && echo "$method: target == source"
    rm -f "$src" "$dst"
done
"$bin" tabulate "$out"/{naive,cursor,bitmap,clear}.json --plot "$out/serve.svg"
echo "chart: $out/serve.svg"
