import { createRequire } from 'node:module'

/**
 * A payment URI as an SVG QR code, for any wallet's camera. `qrcode` ships no types and is
 * CommonJS: loaded through require with the one call used here typed.
 */
interface QrCodeModule {
  toString: (text: string, opts: { type: 'svg', errorCorrectionLevel: 'M', margin: number, width: number }) => Promise<string>
}

const qrcode = createRequire(import.meta.url)('qrcode') as QrCodeModule

/** BIP21 URIs only (anything else is not ours to encode); the SVG is generated, so trusted. */
export async function paymentQrSvg (uri: string, width = 160): Promise<string> {
  if (!/^bitcoin:[a-zA-Z0-9]{14,90}(\?[\x21-\x7e]*)?$/.test(uri)) throw new RangeError('not a bitcoin: URI')
  return await qrcode.toString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 1, width })
}

/** A BIP21 URI for `sats` to `address` (amount in BTC, trailing zeros dropped). */
export function bip21 (address: string, sats: number, label?: string): string {
  const btc = (Math.max(0, Math.round(sats)) / 1e8).toFixed(8).replace(/\.?0+$/, '')
  const params = [`amount=${btc}`]
  if (label !== undefined && label !== '') params.push(`label=${encodeURIComponent(label)}`)
  return `bitcoin:${address}?${params.join('&')}`
}
