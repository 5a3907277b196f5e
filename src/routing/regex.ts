/**
 * `matches` runs inside workflow code, where a catastrophically backtracking pattern would stall the worker.
 * Patterns are therefore refused when they have the shapes that backtrack exponentially (a quantified group
 * that itself contains a quantifier or an alternation), backreferences, or many unbounded quantifiers; and
 * the text tested is capped at MATCH_INPUT_LIMIT characters.
 */
export const MATCH_INPUT_LIMIT = 512;
const MAX_UNBOUNDED_QUANTIFIERS = 6;

interface Frame {
  quantified: boolean;
  alternation: boolean;
}

/** `repeats`: the atom may match more than once; `unbounded`: with no upper limit. */
function quantifierAt(p: string, i: number): { length: number; repeats: boolean; unbounded: boolean } | null {
  const c = p[i];
  const lazy = p[i + 1] === '?' ? 1 : 0;
  if (c === '*' || c === '+') return { length: 1 + lazy, repeats: true, unbounded: true };
  if (c === '?') return { length: 1 + lazy, repeats: false, unbounded: false };
  if (c === '{') {
    const m = /^\{(\d+)(,(\d*))?\}\??/.exec(p.slice(i));
    if (!m) return null;
    const unbounded = m[2] !== undefined && m[3] === '';
    const max = m[2] === undefined ? Number(m[1]) : unbounded ? Infinity : Number(m[3]);
    return { length: m[0].length, repeats: max > 1, unbounded };
  }
  return null;
}

/** A sentence saying why `pattern` is refused, or null when it is acceptable. */
export function regexProblem(pattern: string, maxLength: number): string | null {
  if (pattern.length === 0) return 'the pattern is empty';
  if (pattern.length > maxLength) return `the pattern is longer than ${maxLength} characters`;
  try {
    new RegExp(pattern, 'u');
  } catch (err) {
    return `not a valid regular expression: ${(err as Error).message}`;
  }
  const stack: Frame[] = [{ quantified: false, alternation: false }];
  let unbounded = 0;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    let atomEnd = i;
    let closed: Frame | null = null;
    if (c === '\\') {
      const next = pattern[i + 1] ?? '';
      if (/[1-9]/.test(next) || (next === 'k' && pattern[i + 2] === '<')) return 'backreferences are not allowed';
      i += 1;
      atomEnd = i;
    } else if (c === '[') {
      let j = i + 1;
      if (pattern[j] === '^') j++;
      if (pattern[j] === ']') j++;
      while (j < pattern.length && pattern[j] !== ']') j += pattern[j] === '\\' ? 2 : 1;
      i = j;
      atomEnd = i;
    } else if (c === '(') {
      stack.push({ quantified: false, alternation: false });
      continue;
    } else if (c === ')') {
      closed = stack.pop()!;
      const parent = stack[stack.length - 1]!;
      parent.quantified ||= closed.quantified;
    } else if (c === '|') {
      stack[stack.length - 1]!.alternation = true;
      continue;
    }
    const q = quantifierAt(pattern, atomEnd + 1);
    if (q) {
      // A group that repeats and can itself match in several ways is where exponential backtracking lives.
      if (closed && q.repeats && (closed.quantified || closed.alternation)) {
        return 'nested quantifiers such as (a+)+ or quantified alternations such as (a|b)* can take exponential time';
      }
      if (q.unbounded && ++unbounded > MAX_UNBOUNDED_QUANTIFIERS) return `more than ${MAX_UNBOUNDED_QUANTIFIERS} unbounded quantifiers`;
      stack[stack.length - 1]!.quantified = true;
      i = atomEnd + q.length;
    }
  }
  return null;
}

export function compileRegex(pattern: string, ignoreCase: boolean): RegExp {
  return new RegExp(pattern, ignoreCase ? 'iu' : 'u');
}
