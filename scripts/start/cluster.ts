/**
 * Sandbox instances as child processes: each reports its port over IPC, exits when the launcher
 * goes away (the IPC channel closes), and is restarted on the same port if it crashes.
 *
 * @module
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { instanceConfigToEnv, type InstanceConfig } from '@realtime-workbook/sandbox-server/config'
import type { PROCESS_STATES } from '@realtime-workbook/sandbox-server/protocol'
import type { LauncherConfig } from './config.ts'

/** When to restart a crashed instance (see the launcher config). */
export type RestartPolicy = Pick<LauncherConfig, 'restartDelayMs' | 'restartMaxDelayMs' | 'healthyRunMs'>

/** What a supervised process is doing (`down`: exited, its restart is scheduled). */
export type ProcessState = (typeof PROCESS_STATES)[number]

export interface InstanceSpec {
  /** The instance's validated configuration, handed over as its environment. Its port: 0 picks one at first start, and restarts reuse it. */
  config: InstanceConfig
  /** Entry point, relative to the repository root. Default: the sandbox instance. */
  script?: string
  restart: RestartPolicy
}

/**
 * One supervised instance process.
 *
 * @example
 * const instance = new InstanceProcess(root, { config, restart: launcherConfig }, console.log)
 * await instance.start() // => 4001
 */
export class InstanceProcess {
  readonly id: string
  #port: number
  #child: ChildProcess | null = null
  #stopping = false
  #restarts = 0
  #startedAt = 0
  #state: ProcessState = 'stopped'
  /** The next exit was asked for (kill, drain): restart after the shortest delay, whatever the backoff. */
  #intended = false
  readonly #root: string
  readonly #script: string
  readonly #config: InstanceConfig
  readonly #restart: RestartPolicy
  readonly #log: (line: string) => void

  constructor(root: string, spec: InstanceSpec, log: (line: string) => void) {
    this.id = spec.config.instanceId
    this.#port = spec.config.port
    this.#root = root
    this.#script = spec.script ?? join('sandbox-server', 'src', 'main.ts')
    this.#config = spec.config
    this.#restart = spec.restart
    this.#log = log
  }

  get port(): number {
    return this.#port
  }

  get pid(): number | undefined {
    return this.#child?.pid
  }

  get restarts(): number {
    return this.#restarts
  }

  /** What the process is doing now (the instructor's fault controls show it). */
  get state(): ProcessState {
    return this.#state
  }

  /** The instance's stdout is a pipe to us: `auto` means pretty when OUR stdout is a terminal. */
  #logFormat(): InstanceConfig['logFormat'] {
    if (this.#config.logFormat !== 'auto') return this.#config.logFormat
    return process.stdout.isTTY ? 'pretty' : 'json'
  }

  /** Starts the process; resolves with its port once it listens. */
  start(): Promise<number> {
    const child = spawn(process.execPath, ['--import', 'tsx', this.#script], {
      cwd: this.#root,
      env: {
        ...process.env,
        ...instanceConfigToEnv({ ...this.#config, port: this.#port, logFormat: this.#logFormat() }),
        FORCE_COLOR: '0',
      },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    })
    this.#child = child
    this.#startedAt = Date.now()
    this.#state = 'starting'
    for (const stream of [child.stdout, child.stderr]) {
      if (stream) createInterface({ input: stream }).on('line', (line) => this.#log(line))
    }
    const listening = new Promise<number>((resolve, reject) => {
      child.on('message', (message: { type?: string; port?: number }) => {
        if (message.type === 'listening' && typeof message.port === 'number') {
          this.#port = message.port
          if (this.#child === child) this.#state = 'running'
          resolve(message.port)
        }
      })
      child.once('exit', (code) => reject(new Error(`instance ${this.id} exited with code ${code} before listening`)))
    })
    child.once('exit', (code, signal) => this.#onExit(code, signal))
    return listening
  }

  #onExit(code: number | null, signal: NodeJS.Signals | null): void {
    this.#child = null
    this.#state = this.#stopping ? 'stopped' : 'down'
    if (this.#stopping) return
    this.#restarts += 1
    // Back off if it keeps dying right after start; restart at once after a long healthy run or an asked-for exit.
    const { restartDelayMs, restartMaxDelayMs, healthyRunMs } = this.#restart
    const healthyFor = Date.now() - this.#startedAt
    const quick = healthyFor > healthyRunMs || this.#intended
    this.#intended = false
    const delay = quick ? restartDelayMs : Math.min(restartDelayMs * 2 ** (this.#restarts - 1), restartMaxDelayMs)
    this.#log(`[launcher] instance ${this.id} stopped (${signal ?? `code ${code}`}); restarting in ${delay} ms on port ${this.#port}`)
    setTimeout(() => {
      if (this.#stopping) return
      this.start().then(
        () => this.#log(`[launcher] instance ${this.id} is back`),
        (error: Error) => this.#log(`[launcher] ${error.message}`),
      )
    }, delay).unref()
  }

  /**
   * The instructor's "kill": SIGKILL (no goodbye to any client), then the usual restart. Resolves
   * once the process exited; `false` when it was not running.
   *
   * @example
   * await instance.kill() // => true; the launcher restarts it after restartDelayMs
   */
  kill(): Promise<boolean> {
    return this.#endOnPurpose('down', (child) => child.kill('SIGKILL'))
  }

  /**
   * The instructor's "drain": asks the instance over IPC to close its connections gracefully
   * (clients reconnect by themselves) and exit; SIGKILL if it has not exited after `graceMs`.
   * Resolves once it exited; `false` when it was not running.
   *
   * @example
   * await instance.drain() // => true; its clients reconnect, the launcher restarts it after restartDelayMs
   */
  drain(graceMs = 5_000): Promise<boolean> {
    return this.#endOnPurpose('draining', (child) => {
      child.send({ type: 'drain' })
      setTimeout(() => child.exitCode === null && child.kill('SIGKILL'), graceMs).unref()
    })
  }

  #endOnPurpose(next: ProcessState, end: (child: ChildProcess) => void): Promise<boolean> {
    const child = this.#child
    if (!child || this.#state !== 'running' || this.#stopping) return Promise.resolve(false)
    this.#intended = true
    this.#state = next
    return new Promise((resolve) => {
      child.once('exit', () => resolve(true))
      end(child)
    })
  }

  /** Stops the process (SIGTERM, then SIGKILL after 3 s) and keeps it stopped. */
  async stop(): Promise<void> {
    this.#stopping = true
    const child = this.#child
    if (!child || child.exitCode !== null) return
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), 3_000)
      child.once('exit', () => {
        clearTimeout(timer)
        resolve()
      })
      child.kill('SIGTERM')
    })
  }
}
