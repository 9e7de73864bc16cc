/**
 * Processes of the benchmarks (bench-fanout, bench-class) and of the soak and deploy tests:
 * pinning to a core with `taskset`, starting a server that reports its port over IPC, asking a
 * child a question over IPC with a time limit, stopping a child.
 *
 * @module
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { ROOT } from '../start/index.ts'

/** Whether `taskset` exists here (else nothing is pinned, and the benchmarks say so). */
export const pinning = spawnSync('sh', ['-c', 'command -v taskset']).status === 0

/**
 * `args` run on CPU `core` (through `taskset` when it exists), as `[command, args]` for spawn.
 *
 * @example
 * spawn(...pinned(0, [process.execPath, 'server.js']))
 */
export const pinned = (core: number, args: string[]): [string, string[]] =>
  pinning ? ['taskset', ['-c', String(core), ...args]] : [args[0] as string, args.slice(1)]

/**
 * Starts a server process (cwd: the repository, `PORT=0`) and resolves once it sent
 * `{ type: 'listening', port }` over IPC (`timeoutMs` at most: 20 s unless told).
 *
 * @example
 * const { child, port } = await startProcess(...pinned(0, [process.execPath, '--import', 'tsx', 'sandbox-server/src/main.ts']), {})
 */
export function startProcess(
  command: string,
  args: string[],
  env: Record<string, string>,
  timeoutMs = 20_000,
): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(command, args, {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', ...env },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  })
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`${args.join(' ')} did not start in ${timeoutMs} ms`))
    }, timeoutMs)
    child.on('message', (message: { type?: string; port?: number }) => {
      if (message.type === 'listening' && message.port) {
        clearTimeout(timer)
        resolve({ child, port: message.port })
      }
    })
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited with ${code}`)))
  })
}

/**
 * Sends `command` to `child` and resolves with its first answer of type `expect` (rejects on an
 * `error` answer or after `timeoutMs`).
 *
 * @example
 * const { heapUsed } = await ask<{ heapUsed: number }>(server, { type: 'memory' }, 'memory', 10_000)
 */
export function ask<T>(child: ChildProcess, command: object, expect: string, timeoutMs: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`driver: no ${expect} in ${timeoutMs} ms`)), timeoutMs)
    const onMessage = (message: { type: string; message?: string }) => {
      if (message.type !== expect && message.type !== 'error') return
      clearTimeout(timer)
      child.off('message', onMessage)
      if (message.type === 'error') reject(new Error(`driver: ${message.message}`))
      else resolve(message as T)
    }
    child.on('message', onMessage)
    child.send(command)
  })
}

/**
 * Stops a child: SIGTERM, then SIGKILL after `graceMs`; resolves once it is gone.
 *
 * @example
 * await stopChild(server.child)
 */
export function stopChild(child: ChildProcess, graceMs = 3_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs)
    child.once('exit', () => {
      clearTimeout(timer)
      resolve()
    })
    child.kill('SIGTERM')
  })
}
