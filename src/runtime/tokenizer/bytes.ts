/**
 * GPT-2's reversible byte ↔ unicode-character table (`bytes_to_unicode` in OpenAI's encoder.py): printable
 * Latin-1 bytes map to themselves, the other 68 bytes to U+0100.. in order, so every byte string becomes a string
 * of visible characters with no whitespace (a space becomes 'Ġ', a newline 'Ċ').
 */
const byteToChar: string[] = new Array(256);
const charToByte = new Map<string, number>();

{
  let next = 0;
  for (let b = 0; b < 256; b++) {
    const printable = (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
    const ch = String.fromCharCode(printable ? b : 256 + next++);
    byteToChar[b] = ch;
    charToByte.set(ch, b);
  }
}

const utf8 = new TextEncoder();

/** A text piece as its UTF-8 bytes written in the table's characters. */
export function textToByteChars(text: string): string {
  let s = '';
  for (const b of utf8.encode(text)) s += byteToChar[b];
  return s;
}

/** Appends the bytes of table characters to `out`; false when a character is not in the table. */
export function byteCharsToBytes(chars: string, out: number[]): boolean {
  for (const ch of chars) {
    const b = charToByte.get(ch);
    if (b === undefined) return false;
    out.push(b);
  }
  return true;
}
