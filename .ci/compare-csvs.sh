#!/usr/bin/env bash
# compare-csvs.sh A B: fails unless A and B hold the same CSV files (cells' stores excluded)
# with the same bytes, naming each one that differs.
set -euo pipefail
list() { (cd "$1" && find . -name '*.csv' -not -path '*/.cells/*' | LC_ALL=C sort); }
a=$(list "$1"); b=$(list "$2")
if [[ "$a" != "$b" ]]; then
  echo "compare-csvs: the two runs wrote different CSV files:"; diff <(echo "$a") <(echo "$b") || true
  exit 1
fi
[[ -n "$a" ]] || { echo "compare-csvs: no CSV in $1"; exit 1; }
bad=0
while IFS= read -r f; do
  if ! cmp -s "$1/$f" "$2/$f"; then echo "compare-csvs: $f differs between $1 and $2"; bad=1; fi
done <<< "$a"
[[ $bad == 0 ]] || exit 1
echo "compare-csvs: $(wc -l <<< "$a") CSV files identical between $1 and $2"
