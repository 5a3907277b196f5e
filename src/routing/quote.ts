/**
 * How much of a value an explanation quotes. An explanation names, for every rule a lead failed, the
 * condition and the lead's value: quoting whole values made a 200 KB lead under 250 rules store a 50 MB
 * explanation. A quote is the value's beginning, about QUOTE_CHARS characters whatever its shape; `length`
 * then says how long the whole was (characters for text, elements for a list), so a reader knows it is cut.
 */
export const QUOTE_CHARS = 100;
export const QUOTE_ELEMENTS = 10;

export interface Quote {
  quote: unknown;
  /** Set when the quote is not the whole value: its length in characters (text) or elements (a list). */
  length?: number;
}

function cut(text: string, chars: number): string {
  let end = chars;
  // Never split a surrogate pair: half of one is not text that JSON or Postgres accept everywhere.
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end--;
  return `${text.slice(0, end)}…`;
}

/** Text is cut at QUOTE_CHARS; a list keeps its first elements up to QUOTE_ELEMENTS and QUOTE_CHARS in all. */
export function quoted(value: unknown): Quote {
  if (typeof value === 'string') return value.length > QUOTE_CHARS ? { quote: cut(value, QUOTE_CHARS), length: value.length } : { quote: value };
  if (!Array.isArray(value)) return { quote: value };
  const head: unknown[] = [];
  let room = QUOTE_CHARS;
  let cutShort = false;
  for (const v of value) {
    if (head.length === QUOTE_ELEMENTS || room <= 0) break;
    const text = typeof v === 'string' ? v : String(v);
    if (typeof v === 'string' && text.length > room) {
      head.push(cut(v, Math.max(room, 1)));
      cutShort = true;
      break;
    }
    head.push(v);
    room -= text.length;
  }
  return !cutShort && head.length === value.length ? { quote: value } : { quote: head, length: value.length };
}
