import type { Page } from '../schemas/common';

/** Callers fetch `limit + 1` rows; the extra one only tells whether another page exists. */
export function toPage<R extends { id: string }, T>(rows: R[], limit: number, present: (row: R) => T): Page<T> {
  const more = rows.length > limit;
  const kept = more ? rows.slice(0, limit) : rows;
  return { items: kept.map(present), next_cursor: more ? kept[kept.length - 1]!.id : null };
}

export const iso = (d: Date | null | undefined): string | null => (d ? d.toISOString() : null);

/** What a streaming answer sends (an export): text produced as it is read, never the whole answer in memory. */
export interface Streamed {
  contentType: string;
  filename: string;
  chunks: AsyncIterable<string>;
}
