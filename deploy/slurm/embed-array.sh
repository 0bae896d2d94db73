#!/bin/bash
# A Slurm job array that embeds one input in shards, one array task per shard:
#
#   sbatch --array=0-3 deploy/slurm/embed-array.sh MODEL INPUT OUTPUT_DIR
#
# Task K (SLURM_ARRAY_TASK_ID) of N (SLURM_ARRAY_TASK_COUNT) writes OUTPUT_DIR/part-K.parquet with --shard K/N; the
# array must be numbered 0 to N-1. A task that is requeued (preemption, --requeue, a node failure) continues its
# shard from its checkpoint (--resume). When every task is done:
#   embedding-studio verify OUTPUT_DIR/part-*.parquet --input INPUT
#SBATCH --job-name=embedding-studio
#SBATCH --cpus-per-task=8
#SBATCH --mem=4G
#SBATCH --requeue
#SBATCH --output=embedding-studio-%A_%a.log
set -euo pipefail

if [ $# -ne 3 ]; then
  echo "usage: sbatch --array=0-<N-1> $0 MODEL INPUT OUTPUT_DIR" >&2
  exit 2
fi
model=$1
input=$2
output_dir=$3
shard=${SLURM_ARRAY_TASK_ID:?run it as a job array: sbatch --array=0-<N-1>}
shards=${SLURM_ARRAY_TASK_COUNT:?run it as a job array: sbatch --array=0-<N-1>}

mkdir -p "$output_dir"
exec embedding-studio embed --model "$model" --input "$input" --output "$output_dir/part-$shard.parquet" \
  --shard "$shard/$shards" --resume --threads "${SLURM_CPUS_PER_TASK:-$(nproc)}" --json
