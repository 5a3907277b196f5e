import { RE2JS } from 're2js';

/**
 * `matches` runs on RE2 (re2js, pure JavaScript, so the same engine works in the API, activities and the
 * workflow bundle): matching takes time linear in the input, whatever the pattern, so no blacklist of
 * "dangerous shapes" is needed. What RE2 cannot do in linear time (lookaround, backreferences) it refuses
 * to compile, and validation reports that at the pattern.
 *
 * Linear is not free: the cost of one test is about (characters tested) x (size of the compiled program).
 * Patterns that compile to very large programs are refused, only the first MATCH_INPUT_LIMIT characters of
 * a value are tested, and that work is paid from the lead's evaluation budget (budget.ts).
 */
export const MATCH_INPUT_LIMIT = 512;
/** Instructions in the compiled program: `a{0,512}` alone compiles to about 1,000. */
export const MAX_PROGRAM_SIZE = 2000;
export interface CompiledRegex {
  test(text: string): boolean;
  /** Work units per character tested. */
  unitCost: number;
}

function compile(pattern: string, ignoreCase: boolean): RE2JS {
  return RE2JS.compile(pattern, ignoreCase ? RE2JS.CASE_INSENSITIVE : 0);
}

// re2js keeps the compiled program on an internal field; the version is pinned and a test refuses a large
// pattern, so a library change that moved it would be noticed.
function programSize(re: RE2JS): number {
  const prog = (re as unknown as { re2Input?: { prog?: { inst?: unknown[] } } }).re2Input?.prog?.inst;
  return Array.isArray(prog) ? prog.length : 1;
}

/** A sentence saying why `pattern` is refused, or null when it is acceptable. */
export function regexProblem(pattern: string, maxLength: number): string | null {
  if (pattern.length === 0) return 'the pattern is empty';
  if (pattern.length > maxLength) return `the pattern is longer than ${maxLength} characters`;
  let re: RE2JS;
  try {
    re = compile(pattern, false);
  } catch (err) {
    // e.g. "invalid or unsupported Perl syntax: `(?=`" for a lookahead.
    return `not a pattern RE2 accepts (${(err as Error).message.replace(/^error parsing regexp: /, '')}); see the README for the syntax`;
  }
  const size = programSize(re);
  if (size > MAX_PROGRAM_SIZE) return `the pattern is too complex (it compiles to ${size} steps; at most ${MAX_PROGRAM_SIZE}): use smaller repeat counts`;
  return null;
}

/** null for a pattern that no longer compiles (stored before RE2): such a condition never matches. */
export function compileRegex(pattern: string, ignoreCase: boolean): CompiledRegex | null {
  let re: RE2JS;
  try {
    re = compile(pattern, ignoreCase);
  } catch {
    return null;
  }
  return { test: (text) => re.matcher(text).find(), unitCost: programSize(re) };
}
