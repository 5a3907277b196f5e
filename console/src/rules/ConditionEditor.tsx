import { useId } from 'react';
import { LEAD_FIELDS, OPERATORS } from '../../../src/routing/vocabulary';
import { errorAt, isGroup, isNot, valueFrom, valueText, type Cond, type Errors, type Leaf } from './model';

const OP_WORDS: Record<string, string> = {
  eq: 'is', neq: 'is not', in: 'is one of', not_in: 'is none of', contains: 'contains', starts_with: 'starts with', ends_with: 'ends with',
  gt: 'is more than', gte: 'is at least', lt: 'is less than', lte: 'is at most', exists: 'is present', matches: 'matches the pattern',
  in_list: 'is in the list', not_in_list: 'is not in the list',
};
const TEXT_OPS = new Set(['eq', 'neq', 'in', 'not_in', 'contains', 'starts_with', 'ends_with']);

export const newLeaf = (): Leaf => ({ field: 'country', op: 'eq', value: '' });

interface Props {
  value: Cond;
  path: Array<string | number>;
  errors: Errors;
  lists: string[];
  onChange: (c: Cond | undefined) => void;
  /** How this condition is named to screen readers: "Condition 2 of rule emea". */
  label: string;
}

/** A comparison, or a group (all, any, not) of conditions, each built with form controls. */
export function ConditionEditor(props: Props) {
  const { value } = props;
  if (isGroup(value) || isNot(value)) return <GroupEditor {...props} value={value} />;
  return <LeafEditor {...props} value={value} />;
}

function GroupEditor({ value, path, errors, lists, onChange, label }: Props & { value: { all: Cond[] } | { any: Cond[] } | { not: Cond } }) {
  const kind = 'all' in value ? 'all' : 'any' in value ? 'any' : 'not';
  const children: Cond[] = 'all' in value ? value.all : 'any' in value ? value.any : [value.not];
  const set = (k: string, items: Cond[]) => onChange(k === 'not' ? { not: items[0] ?? newLeaf() } : ({ [k]: items } as Cond));
  const legend = useId();
  return (
    <fieldset className="group" aria-labelledby={legend}>
      <div className="row">
        <span id={legend} className="sr-only">{label}</span>
        <label>
          Match
          <select value={kind} onChange={(e) => set(e.target.value, e.target.value === 'not' ? children.slice(0, 1) : children)}>
            <option value="all">all of these</option>
            <option value="any">any of these</option>
            <option value="not">none of this</option>
          </select>
        </label>
        <button type="button" className="link" onClick={() => onChange(undefined)}>Remove group</button>
      </div>
      {errorAt(errors, path) && <p className="error">{errorAt(errors, path)}</p>}
      <ol>
        {children.map((c, i) => (
          <li key={i}>
            <ConditionEditor
              value={c}
              path={kind === 'not' ? [...path, 'not'] : [...path, kind, i]}
              errors={errors}
              lists={lists}
              label={`${label}, condition ${i + 1}`}
              onChange={(next) => set(kind, next === undefined ? children.filter((_, j) => j !== i) : children.map((x, j) => (j === i ? next : x)))}
            />
          </li>
        ))}
      </ol>
      {kind !== 'not' && (
        <div className="row">
          <button type="button" onClick={() => set(kind, [...children, newLeaf()])}>Add condition</button>
          <button type="button" onClick={() => set(kind, [...children, { any: [newLeaf()] }])}>Add group</button>
        </div>
      )}
    </fieldset>
  );
}

function LeafEditor({ value, path, errors, lists, onChange, label }: Props & { value: Leaf }) {
  const custom = !(LEAD_FIELDS as readonly string[]).includes(value.field);
  const update = (patch: Partial<Leaf>) => {
    const next: Leaf = { ...value, ...patch };
    if (next.op === 'exists') delete next.value;
    if (!TEXT_OPS.has(next.op)) delete next.ignore_case;
    onChange(next);
  };
  const err = (k: string) => errorAt(errors, [...path, k], true);
  const id = useId();
  return (
    <div className="leaf" role="group" aria-label={label}>
      <label>
        Field
        <select value={custom ? 'attributes.' : value.field} onChange={(e) => update({ field: e.target.value === 'attributes.' ? 'attributes.' : e.target.value })}>
          {LEAD_FIELDS.map((f) => <option key={f} value={f}>{f}</option>)}
          <option value="attributes.">custom attribute…</option>
        </select>
      </label>
      {custom && (
        <label>
          Attribute name <input value={value.field.replace(/^attributes\./, '')} onChange={(e) => update({ field: `attributes.${e.target.value}` })} />
        </label>
      )}
      <label>
        Comparison
        <select value={value.op} onChange={(e) => update({ op: e.target.value, value: e.target.value === 'exists' ? undefined : value.value })}>
          {OPERATORS.map((o) => <option key={o} value={o}>{OP_WORDS[o] ?? o}</option>)}
        </select>
      </label>
      {value.op === 'in_list' || value.op === 'not_in_list' ? (
        <label>
          List
          <select value={valueText(value.value)} onChange={(e) => update({ value: e.target.value })} aria-invalid={!!err('value')} aria-describedby={err('value') ? `${id}-v` : undefined}>
            <option value="">Choose a list</option>
            {lists.map((l) => <option key={l}>{l}</option>)}
          </select>
        </label>
      ) : value.op !== 'exists' ? (
        <label>
          Value{value.op === 'in' || value.op === 'not_in' ? 's (comma-separated)' : ''}
          <input
            value={valueText(value.value)}
            onChange={(e) => update({ value: valueFrom(e.target.value, value.field, value.op) })}
            aria-invalid={!!err('value')}
            aria-describedby={err('value') ? `${id}-v` : undefined}
          />
        </label>
      ) : null}
      {TEXT_OPS.has(value.op) && (
        <label className="inline">
          <input type="checkbox" checked={!!value.ignore_case} onChange={(e) => update({ ignore_case: e.target.checked || undefined })} /> ignore case
        </label>
      )}
      <button type="button" className="link" onClick={() => onChange(undefined)} aria-label={`Remove ${label}`}>Remove</button>
      {(err('value') || err('field') || err('op') || errorAt(errors, path)) && (
        <small id={`${id}-v`} className="error">{err('value') ?? err('field') ?? err('op') ?? errorAt(errors, path)}</small>
      )}
    </div>
  );
}
