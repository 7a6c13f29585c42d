/**
 * Flatten configs into dotted keys and mark config modifications and differences.
 */

import { IConfigModifications } from './tokens';

/** Sacred's kinds of config modification, plus the keys a run's config updates set. */
export type ConfigMark = 'added' | 'modified' | 'typechanged' | 'updated' | '';

/**
 * Flatten a nested config to `{dotted.key: value}`.
 *
 * Dicts whose keys start with `py/` are jsonpickle-encoded values (tuples,
 * numpy arrays), so they stay whole as leaves.
 */
export function flattenConfig(
  config: { [key: string]: any },
  prefix = ''
): Map<string, unknown> {
  const flat = new Map<string, unknown>();
  for (const key of Object.keys(config).sort()) {
    const value = config[key];
    const dotted = prefix ? `${prefix}.${key}` : key;
    const nested =
      value !== null &&
      typeof value === 'object' &&
      !Array.isArray(value) &&
      Object.keys(value).length > 0 &&
      !Object.keys(value).some(name => name.startsWith('py/'));
    if (nested) {
      for (const [innerKey, innerValue] of flattenConfig(value, dotted)) {
        flat.set(innerKey, innerValue);
      }
    } else {
      flat.set(dotted, value);
    }
  }
  return flat;
}

/**
 * Tell whether `keys` hold `dotted`, or with `withChildren` one of its parents.
 */
function covers(
  keys: string[] | { [key: string]: unknown } | undefined,
  dotted: string,
  withChildren = true
): boolean {
  // Sacred keeps `typechanged` as a dict from key to (old type, new type).
  const list = Array.isArray(keys) ? keys : Object.keys(keys ?? {});
  return list.some(
    key => dotted === key || (withChildren && dotted.startsWith(key + '.'))
  );
}

/**
 * Return the mark of a dotted config key.
 *
 * Sacred's config modifications decide when the run stored them; otherwise
 * the keys of the config updates are marked `updated`. Sacred lists a dict
 * as modified when one of its entries changed, so `modified` marks exact
 * keys only; the entries of an added or type-changed dict share its mark.
 */
export function configMark(
  dotted: string,
  modifications: IConfigModifications | null,
  updates: { [key: string]: any } | null
): ConfigMark {
  if (modifications) {
    if (covers(modifications.typechanged, dotted)) {
      return 'typechanged';
    }
    if (covers(modifications.added, dotted)) {
      return 'added';
    }
    if (covers(modifications.modified, dotted, false)) {
      return 'modified';
    }
    return '';
  }
  if (updates) {
    const updated = [...flattenConfig(updates).keys()];
    if (covers(updated, dotted)) {
      return 'updated';
    }
  }
  return '';
}

/** Tell whether two flattened config values differ. */
export function differs(left: unknown, right: unknown): boolean {
  return JSON.stringify(left) !== JSON.stringify(right);
}
