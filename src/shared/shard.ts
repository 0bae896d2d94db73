import { LIMITS, limitRange, withinLimit } from './limits';

/**
 * One of `count` parts of an input, taken by line number: line L (counted from 1, as everywhere) is in shard
 * (L - 1) mod count. Shards are numbered from 0 to count - 1, as Kubernetes numbers the pods of an Indexed Job, and
 * every shard keeps the line numbers of the whole file.
 */
export interface Shard {
  index: number;
  count: number;
}

export function inShard(line: number, shard: Shard): boolean {
  return (line - 1) % shard.count === shard.index;
}

/** `2/4`: the way a shard is written on the command line and in messages. */
export function shardName(shard: Shard): string {
  return `${shard.index}/${shard.count}`;
}

/** Why `shard` names no shard, in words, or null where it is one. */
export function shardProblem({ index, count }: Shard): string | null {
  if (!withinLimit(LIMITS.shards, count)) return `the number of shards must be ${limitRange(LIMITS.shards)}`;
  if (!Number.isInteger(index) || index < 0 || index >= count)
    return `shards are numbered from 0 to ${count - 1}, so there is no shard ${index} of ${count}`;
  return null;
}
