/**
 * Raw HTTP and WebSocket helpers for the security tests: what an attacker's page (or script)
 * sends, byte for byte, without socket.io-client smoothing anything over.
 */
import { request as httpRequest, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createAdaptorServer } from '@hono/node-server'
import { Redis } from 'ioredis'
import WebSocket from 'ws'
import { forgivingPublisher } from '../src/cluster/adapter.ts'
import { createEmitterApp } from '../src/emitter/index.ts'

export const SITE = 'http://localhost:4321'
export const EVIL = 'http://evil.example'

export interface RawAnswer {
  status: number
  body: string
}

/** Any HTTP request, answered with its status and text body (never throws on 4xx). */
export async function raw(url: string, init: RequestInit = {}): Promise<RawAnswer> {
  const response = await fetch(url, init)
  return { status: response.status, body: await response.text() }
}

/** Opens an Engine.IO polling session and returns its sid. */
export async function engineSession(base: string, headers: Record<string, string> = {}): Promise<string> {
  const answer = await raw(`${base}/socket.io/?EIO=4&transport=polling`, { headers })
  const match = /"sid":"([^"]+)"/.exec(answer.body)
  if (answer.status !== 200 || !match?.[1]) throw new Error(`no Engine.IO session: ${answer.status} ${answer.body}`)
  return match[1]
}

/** `…/socket.io/?EIO=4&transport=polling&sid=…` */
export const pollingUrl = (base: string, sid: string): string => `${base}/socket.io/?EIO=4&transport=polling&sid=${sid}`

/** Engine.IO polling payloads are joined with the record separator. */
export const payload = (...packets: string[]): string => packets.join('\x1e')

/**
 * Tries a WebSocket upgrade and reports how it ended: `open` (the server took it) or the HTTP
 * status and body it answered instead.
 */
export function tryUpgrade(
  url: string,
  headers: Record<string, string>,
): Promise<{ open: true; ws: WebSocket } | { open: false; status: number; body: string }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { headers })
    ws.once('open', () => resolve({ open: true, ws }))
    ws.once('unexpected-response', (_req, res) => {
      let body = ''
      res.on('data', (chunk: Buffer) => (body += chunk.toString()))
      res.on('end', () => resolve({ open: false, status: res.statusCode ?? 0, body }))
    })
    ws.once('error', () => resolve({ open: false, status: 0, body: '' }))
  })
}

/** A POST whose body is sent chunked (no Content-Length), as a streaming attacker would. */
export function chunkedPost(url: string, chunks: number, chunkBytes: number, headers: Record<string, string>): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    let answered = false
    const req = httpRequest(url, { method: 'POST', headers: { ...headers, 'Transfer-Encoding': 'chunked' } }, (res) => {
      answered = true
      let body = ''
      res.on('data', (chunk: Buffer) => (body += chunk.toString()))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
    })
    // The server may answer and close before the whole body is sent: that is the point.
    req.on('error', (error) => (answered ? undefined : reject(error)))
    const chunk = 'x'.repeat(chunkBytes)
    let sent = 0
    const pump = (): void => {
      while (sent < chunks) {
        sent += 1
        if (!req.write(chunk)) return void req.once('drain', pump)
      }
      req.end()
    }
    pump()
  })
}

/** The emitter service (lesson 3) on a port 0, over its own Redis connection. */
export async function startEmitter(redisUrl: string, keyPrefix: string): Promise<{ url: string; close: () => Promise<void> }> {
  const redis = new Redis(redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => 100 })
  redis.on('error', () => undefined)
  const app = createEmitterApp({ redis: forgivingPublisher(redis), keyPrefix, allowedOrigins: [SITE] })
  const server = createAdaptorServer({ fetch: app.fetch }) as Server
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
      redis.disconnect()
    },
  }
}
