/**
 * Small statistics for the benchmarks: percentiles of latency samples, medians of repetitions,
 * and process CPU/memory read from /proc.
 *
 * @module
 */
import { readFileSync } from 'node:fs'

/**
 * The p-th percentile (0-100) of `samples` (nearest rank). `NaN` when empty.
 *
 * @example
 * percentile(Float64Array.from([5, 1, 3]), 50) // => 3
 */
export function percentile(samples: ArrayLike<number>, p: number): number {
  if (samples.length === 0) return Number.NaN
  const sorted = Float64Array.from(samples).sort()
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  return sorted[rank] as number
}

/** Median of repetitions. */
export function median(values: readonly number[]): number {
  return percentile(values, 50)
}

/** CPU seconds (user + system) a process has used so far; 0 when it is gone. */
export function cpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? []
    // After "pid (comm) ", field 14 (utime) and 15 (stime) are at index 11 and 12.
    return (Number(fields[11]) + Number(fields[12])) / 100
  } catch {
    return 0
  }
}

/** Resident memory of a process in bytes; 0 when it is gone. */
export function rssBytes(pid: number): number {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return match ? Number(match[1]) * 1024 : 0
  } catch {
    return 0
  }
}
