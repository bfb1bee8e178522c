import type { IncomingMessage } from 'node:http'
import { describe, expect, it } from 'vitest'
import type { GatewayApp, GatewayRequestContext } from '../../../src/gateway/app.js'
import { LocalApp } from '../../../src/gateway/apps/local.js'
import { Router } from '../../../src/gateway/router.js'
import type { ResolveTarget } from '../../../src/gateway/ports.js'

function ctx (target: ResolveTarget, pathname = '/'): GatewayRequestContext {
  return {
    host: 'x.tor-net', port: 80, target, via: 'http-proxy', pathname, search: '', isContentAddress: false, isolation: '',
    signal: new AbortController().signal, gateway: { host: '127.0.0.1', port: 9150, passThrough: false }, log: () => {}
  }
}

const req = {} as IncomingMessage

function app (name: string, kind: ResolveTarget['kind']): GatewayApp {
  return { name, matches: c => c.target.kind === kind, handle: async () => {} }
}

describe('Router', () => {
  it('picks the app whose matches() accepts the target', () => {
    const router = new Router([app('site', 'content'), app('local', 'gateway')])
    expect(router.find(ctx({ kind: 'content', reference: 'r' }), req)?.name).toBe('site')
    expect(router.find(ctx({ kind: 'gateway' }), req)?.name).toBe('local')
    expect(router.find(ctx({ kind: 'mailbox', publicKey: 'k' }), req)).toBeUndefined()
  })

  it('asks registered apps before the built-in ones, in registration order', () => {
    const router = new Router([app('site', 'content')])
    router.register(app('webmail', 'mailbox'))
    router.register(app('override', 'content'))
    router.register(app('second', 'content'))
    expect(router.find(ctx({ kind: 'mailbox', publicKey: 'k' }), req)?.name).toBe('webmail')
    expect(router.find(ctx({ kind: 'content', reference: 'r' }), req)?.name).toBe('override')
    expect(router.apps.map(a => a.name)).toEqual(['webmail', 'override', 'second', 'site'])
  })

  it('replaces an app registered under the same name, and unregisters', () => {
    const router = new Router()
    router.register(app('radio', 'content'))
    router.register(app('radio', 'mailbox'))
    expect(router.apps).toHaveLength(1)
    expect(router.find(ctx({ kind: 'mailbox', publicKey: 'k' }), req)?.name).toBe('radio')
    expect(router.unregister('radio')).toBe(true)
    expect(router.unregister('radio')).toBe(false)
    expect(router.apps).toHaveLength(0)
  })
})

describe('LocalApp routes', () => {
  const route = (path: string, prefix = false) => ({ path, prefix, handle: () => {} })

  it('matches exact paths before prefixes, and the longest prefix', () => {
    const local = new LocalApp([route('/'), route('/radio/', true), route('/radio/live/', true), route('/radio/list')])
    expect(local.find('/')?.path).toBe('/')
    expect(local.find('/radio/list')?.prefix).toBe(false)
    expect(local.find('/radio/x.mp3')?.path).toBe('/radio/')
    expect(local.find('/radio/live/a')?.path).toBe('/radio/live/')
    expect(local.find('/nothing')).toBeUndefined()
  })

  it('lets a later registration replace the placeholder at the same path', () => {
    const first = route('/')
    const second = route('/')
    const local = new LocalApp([first])
    local.register(second)
    expect(local.find('/')).toBe(second)
  })

  it('serves only targets of kind gateway', () => {
    const local = new LocalApp()
    expect(local.matches(ctx({ kind: 'gateway' }))).toBe(true)
    expect(local.matches(ctx({ kind: 'content', reference: 'r' }))).toBe(false)
  })
})
