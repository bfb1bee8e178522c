import { describe, expect, it } from 'vitest'
import { type CreditReport, creditSection } from '../../../../../src/gateway/apps/credit/credit-section.js'
import { bip21, paymentQrSvg } from '../../../../../src/gateway/apps/credit/payment-qr.js'

const base: CreditReport = {
  totals: { creditSent: 9_000_000, creditReceived: 2_000_000, restoredCredit: 0, paidSats: 0, peers: 2 },
  debtors: [{ id: 'aa'.repeat(32), rank: 22, owed: 9_000_000, creditLimit: 2.2e9, paidSats: 0, availability: 0.5, sendAddress: '' }],
  creditors: [{ id: 'bb'.repeat(32), rank: 23, owed: -2_000_000, paidSats: 0, sendAddress: 'bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq' },
    { id: 'cc'.repeat(32), owed: -5, paidSats: 0, sendAddress: '' }],
  byCause: [{ cause: 'chunk-slice', creditSent: 9_000_000, creditReceived: 2_000_000, bytesSent: 3e6, bytesReceived: 2e6 }]
}

describe('credit panel', () => {
  it('lists debtors and creditors and shows a payment QR for a peer owed with a known address', async () => {
    const html = await creditSection({ report: () => base, satsPerMB: 10 }).render({ signal: new AbortController().signal })
    expect(html).toContain('<code>aaaaaaaaaaaaaaaa</code>')
    expect(html).toContain('9.00 M cr')
    // 2 M credit owed at 10 sats per MB: 20 sats.
    expect(html).toContain('bitcoin:bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq?amount=0.0000002&amp;label=tornet%20bbbbbbbbbbbbbbbb')
    expect((html.match(/<svg/g) ?? []).length).toBe(1) // the peer without an address gets none
    expect(html).toContain('Peers without a known bitcoin address get no QR code.')
  })

  it('builds BIP21 URIs as BIP 21 writes them, and refuses to encode anything else', async () => {
    // BIP 21's example: bitcoin:175tWpb8K1S7NmH4Zx6rewF9WQrcZv245W?amount=20.3&label=Luke-Jr
    expect(bip21('175tWpb8K1S7NmH4Zx6rewF9WQrcZv245W', 2_030_000_000, 'Luke-Jr')).toBe('bitcoin:175tWpb8K1S7NmH4Zx6rewF9WQrcZv245W?amount=20.3&label=Luke-Jr')
    expect(bip21('175tWpb8K1S7NmH4Zx6rewF9WQrcZv245W', 5e7)).toBe('bitcoin:175tWpb8K1S7NmH4Zx6rewF9WQrcZv245W?amount=0.5')
    await expect(paymentQrSvg('javascript:alert(1)')).rejects.toThrow(RangeError)
    expect(await paymentQrSvg('bitcoin:175tWpb8K1S7NmH4Zx6rewF9WQrcZv245W?amount=20.3')).toMatch(/^<svg[\s\S]*<\/svg>\s*$/)
  })
})
