/** The gate's rule outcomes in the screen's language. */
import type { RuleOutcome } from '@cjp/contracts';
import { i18n } from '../../i18n';
import { formatTime } from '../../shared/format';

/**
 * A rule's outcome in the screen's language: `gate.explain.<rule>.<code>` with the outcome's data as
 * parameters (lists joined, codes named). Records without a code, or with one this UI does not know
 * (an older UI against a newer hub), fall back to the hub's English `detail`.
 */
export function explainRule(r: RuleOutcome): string {
  const { t, te, locale } = i18n.global;
  const key = `gate.explain.${r.rule}.${r.code ?? ''}`;
  if (!r.code || !te(key)) return r.detail;
  const named = (prefix: string, v: unknown) => (typeof v === 'string' && te(`${prefix}.${v}`) ? t(`${prefix}.${v}`) : String(v ?? ''));
  const params: Record<string, string> = {};
  for (const [k, v] of Object.entries(r.data ?? {})) {
    if (Array.isArray(v)) params[k] = v.length ? v.join(', ') : t('gate.explain.noneListed');
    else if (k === 'status') params[k] = named('gate.noteStatus', v);
    else if (k === 'ioTypecd') params[k] = named('gate.explain.io', v);
    else if (k === 'lane') params[k] = named('gate.directionTitle', v);
    else if (k === 'vehicle' && (v === 'empty' || v === 'loaded')) params[k] = t(`gate.explain.vehicleKind.${v}`);
    else if (k === 'passTime' && typeof v === 'string') params[k] = formatTime(v, locale.value);
    else params[k] = String(v ?? '');
  }
  return t(key, params);
}

/** A rule's name; the rule's id when this UI does not know it. */
export function ruleLabel(rule: string): string {
  const { t, te } = i18n.global;
  return te(`gate.rules.${rule}`) ? t(`gate.rules.${rule}`) : rule;
}
