import QRCode from 'qrcode'
import { describe, expect, test } from 'vitest'
import { paymentQr } from '../../../../src/node/accounting/bitcoin/payment-qr.js'
import { buildPaymentUri } from '../../../../src/node/accounting/bitcoin/bip21.js'

describe('payment QR codes', () => {
  const uri = buildPaymentUri({ address: 'bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu', sats: 150_000, label: 'Tornet node' })

  test('the code carries exactly the URI', () => {
    const code = QRCode.create(uri, { errorCorrectionLevel: 'M' })
    expect(code.segments.map(s => String(s.data instanceof Uint8Array ? Buffer.from(s.data).toString('utf8') : s.data)).join('')).toBe(uri)
  })

  test('SVG for the dashboard and blocks for a terminal, different for different URIs', async () => {
    const svg = await paymentQr(uri)
    expect(svg).toMatch(/^<svg[^>]*viewBox/)
    expect(await paymentQr(uri.replace('150000', '150001').replace('0.0015', '0.00150001'))).not.toBe(svg)
    const term = await paymentQr(uri, 'terminal')
    expect(term.split('\n').length).toBeGreaterThan(10)
    await expect(paymentQr('bitcoin:x?message=' + 'a'.repeat(2000))).rejects.toThrow(RangeError)
  })
})
