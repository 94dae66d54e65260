# Sourced by the ingest benchmarks: the RFC 3164 test lines, generated once per N and reused.
# bench_lines N -> prints the path of a file with N sshd-like lines of ~200 B.
bench_lines() {
  local n=$1 path=/tmp/hinomi-bench-rfc3164-$1.log
  if [[ ! -s $path ]]; then
    python3 - "$n" "$path" <<'PY'
import sys
n, path = int(sys.argv[1]), sys.argv[2]
with open(path, "wb") as f:
    for i in range(n):
        f.write(b"<38>Nov 23 12:12:%02d lg-srv%02d sshd[%d]: Failed password for invalid user admin from 203.0.113.%d port %d ssh2 msg=%08d padding-to-about-two-hundred-bytes-of-realistic-syslog-line-xxx\n"
                % (i % 60, i % 50, 1000 + i % 9000, i % 251, 1024 + i % 60000, i))
PY
  fi
  echo "$path"
}
