import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { renderOptionTable } from '../cli/config.ts';
import { replaceGeneratedSections } from '../cli/docs.ts';
import { EXPORTER_OPTIONS } from '../cli/exporter.ts';
import { EXPORTER_METRICS, RUN_METRICS } from '../contracts/metrics.ts';
import { renderExporterMetricTable } from './docs.ts';

const README = new URL('../exporter/README.md', import.meta.url);

describe('exporter/README.md', () => {
  test('its metric and option tables match the catalog and the command (UPDATE_GOLDEN=1 rewrites them)', () => {
    const current = readFileSync(README, 'utf8');
    const expected = replaceGeneratedSections(current, {
      'exporter-metrics': renderExporterMetricTable(),
      'exporter-options': renderOptionTable([{ name: 'exporter', options: EXPORTER_OPTIONS }]),
    });
    if (process.env.UPDATE_GOLDEN === '1' && expected !== current) writeFileSync(README, expected);
    else expect(current).toBe(expected);
  });

  test('lists every run and health metric of the catalog', () => {
    const text = readFileSync(README, 'utf8');
    for (const metric of [...Object.values(RUN_METRICS), ...Object.values(EXPORTER_METRICS)])
      expect(text).toContain(`| \`${metric.name}\` |`);
  });
});
