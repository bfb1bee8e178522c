/**
 * Text from others (a mail's subject, sender, body, file names) printed to a terminal:
 * control characters are dropped, so that a message cannot move the cursor, retitle the
 * window or hide lines with escape sequences. Line breaks and tabs survive where allowed.
 */
// eslint-disable-next-line no-control-regex
const CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g
// eslint-disable-next-line no-control-regex
const CONTROLS_AND_BREAKS = /[\u0000-\u001f\u007f-\u009f]/g

/** One line: every control character, line breaks included, becomes nothing (tabs a space). */
export function printableLine (text: string): string {
  return text.replace(/\t/g, ' ').replace(CONTROLS_AND_BREAKS, '')
}

/** Several lines: \r\n becomes \n; other controls are dropped; \n and \t stay. */
export function printableText (text: string): string {
  return text.replace(/\r\n?/g, '\n').replace(CONTROLS, '')
}
