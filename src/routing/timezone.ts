const NAME_RE = /^[A-Za-z][A-Za-z0-9_+\-/]{0,63}$/;

/**
 * The canonical IANA name for `tz` ("europe/berlin" → "Europe/Berlin", "US/Eastern" → "America/New_York"),
 * or null when it is not a time zone. Offsets like "+01:00" are refused: they do not follow DST.
 */
export function canonicalTimeZone(tz: string): string | null {
  if (!NAME_RE.test(tz)) return null;
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: tz }).resolvedOptions().timeZone;
  } catch {
    return null;
  }
}
