#!/usr/bin/env bash
# Submits EXPERIMENT as an array of SHARDS tasks and a merge job that runs once all succeed.
#   scripts/slurm/submit.sh time-gradients 10 [gradlab run options, e.g. --seeds 1..10]
set -euo pipefail
experiment="${1:?usage: scripts/slurm/submit.sh EXPERIMENT SHARDS [gradlab run options]}"
shards="${2:?usage: scripts/slurm/submit.sh EXPERIMENT SHARDS [gradlab run options]}"
shift 2
cd "$(dirname "$0")/../.."
out=results/$experiment
for arg in "$@"; do [[ "${prev:-}" == --out ]] && out=$arg; prev=$arg; done
jid=$(sbatch --parsable --array="0-$((shards - 1))" scripts/slurm/gradlab-array.sbatch "$experiment" "$@")
sbatch --dependency="afterok:$jid" --job-name=gradlab-merge --output="gradlab-merge-%j.out" \
  --wrap "cd '$PWD' && npx -y pnpm@10 gradlab merge '$out'"
echo "submitted array job $jid ($shards shards of $experiment) and its merge into $out"
