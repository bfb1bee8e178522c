import QRCode from 'qrcode'

/**
 * A BIP21 URI as a QR code any wallet can scan: SVG for the dashboard, text
 * blocks for a terminal. Error correction M (15 %): a phone camera at a screen
 * needs little, and a denser code scans worse.
 */

export type QrFormat = 'svg' | 'terminal'

/** Longest text put in a code: a payment URI is far shorter; anything longer is a bug upstream. */
const MAX_QR_TEXT = 1024

export async function paymentQr (uri: string, format: QrFormat = 'svg'): Promise<string> {
  if (uri.length > MAX_QR_TEXT) throw new RangeError(`a payment URI of ${uri.length} characters is too long for a QR code`)
  return format === 'svg'
    ? await QRCode.toString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 })
    : await QRCode.toString(uri, { type: 'terminal', errorCorrectionLevel: 'M', small: true })
}
