/**
 * Grafana's value formatting for the units floodgate's panels use (packages/grafana-data
 * valueFormats: `percentunit`, `percent`, `s`, `ms`, `reqps`, `cps`, `short`, `none`,
 * `suffix:<text>`), so a number on the live page reads as it would in Grafana. An unknown unit
 * prints the number and the unit id: visible, never silently dropped.
 */

/** Decimals Grafana would pick for a value when the panel sets none. */
function autoDecimals(value: number): number {
  const magnitude = Math.abs(value);
  if (magnitude === 0 || magnitude >= 100) return 0;
  if (magnitude >= 10) return 1;
  if (magnitude >= 1) return 2;
  return Math.min(4, Math.max(2, 1 - Math.floor(Math.log10(magnitude)) + 1));
}

function fixed(value: number, decimals: number | undefined): string {
  // A panel's own decimals are kept ("48.0"); automatic ones drop trailing zeros ("0.25", "12").
  if (decimals !== undefined) return value.toFixed(decimals);
  return Number(value.toFixed(autoDecimals(value))).toString();
}

/** `short`: 1.2 K, 3.4 Mil, as Grafana's scaled SI-free units. */
function short(value: number, decimals: number | undefined): string {
  const steps: Array<[number, string]> = [
    [1e12, ' Tri'],
    [1e9, ' Bil'],
    [1e6, ' Mil'],
    [1e3, ' K'],
  ];
  for (const [size, suffix] of steps) if (Math.abs(value) >= size) return `${fixed(value / size, decimals)}${suffix}`;
  return fixed(value, decimals);
}

function seconds(value: number, decimals: number | undefined): string {
  const magnitude = Math.abs(value);
  if (magnitude === 0) return '0 s';
  if (magnitude < 1e-3) return `${fixed(value * 1e6, decimals)} µs`;
  if (magnitude < 1) return `${fixed(value * 1000, decimals)} ms`;
  if (magnitude < 60) return `${fixed(value, decimals)} s`;
  if (magnitude < 3600) return `${fixed(value / 60, decimals)} min`;
  return `${fixed(value / 3600, decimals)} hour`;
}

/** A value in `unit`, as Grafana prints it. NaN and ±Inf read as Grafana shows them. */
export function formatValue(value: number | null | undefined, unit: string, decimals?: number): string {
  if (value === null || value === undefined || Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? '+Inf' : '-Inf';
  if (unit.startsWith('suffix:')) return `${fixed(value, decimals)} ${unit.slice('suffix:'.length)}`;
  switch (unit) {
    case 'percentunit':
      return `${fixed(value * 100, decimals)}%`;
    case 'percent':
      return `${fixed(value, decimals)}%`;
    case 's':
      return seconds(value, decimals);
    case 'ms':
      return seconds(value / 1000, decimals);
    case 'reqps':
      return `${short(value, decimals)} req/s`;
    case 'cps':
      return `${short(value, decimals)} c/s`;
    case 'short':
      return short(value, decimals);
    case 'none':
      return fixed(value, decimals);
    default:
      return `${fixed(value, decimals)} ${unit}`;
  }
}

/** Units the formatter knows; a panel with another unit is a defect the tests catch. */
export const KNOWN_UNITS = ['percentunit', 'percent', 's', 'ms', 'reqps', 'cps', 'short', 'none'] as const;

/** True when `unit` is one {@link formatValue} prints as Grafana does. */
export function isKnownUnit(unit: string): boolean {
  return (KNOWN_UNITS as readonly string[]).includes(unit) || /^suffix:\S/.test(unit);
}
