import { describe, expect, test } from 'vitest';
import { closestName, unknownVariables, unknownVariableWarning } from './variables.ts';

describe('-e names the scripts do not read', () => {
  test.each([
    ['BREAKPONT_START', 'BREAKPOINT_START'],
    ['breakpoint_steps', 'BREAKPOINT_STEPS'],
    ['WINDOWS', 'WINDOW'],
    ['THINK_TIME', 'THINK_TIME_SCALE'],
    ['SOAK_DURATON', 'SOAK_DURATION'],
    ['RETRY_429', 'RETRY_429_MAX'],
    ['ACME_API_KEY', undefined],
    ['X', undefined],
  ])('%s is closest to %s', (name, closest) => {
    expect(
      closestName(
        name,
        [
          'BREAKPOINT_START',
          'BREAKPOINT_STEPS',
          'WINDOW',
          'THINK_TIME_SCALE',
          'SOAK_DURATION',
          'RETRY_429_MAX',
          'SEED',
        ].slice(),
      ),
    ).toBe(closest);
  });

  test('are listed in order, known ones left out', () => {
    expect(unknownVariables(['WINDOW', 'WINDOWS', 'ACME_API_KEY', 'SEED'])).toEqual([
      { name: 'WINDOWS', closest: 'WINDOW' },
      { name: 'ACME_API_KEY' },
    ]);
  });

  test('make one warning line each, with the guess when there is one', () => {
    expect(unknownVariableWarning({ name: 'WINDOWS', closest: 'WINDOW' })).toBe(
      "warning: -e WINDOWS is not a variable floodgate's scripts read (did you mean WINDOW?); it is passed on for a custom adapter (load-tests/README.md lists the variables)",
    );
    expect(unknownVariableWarning({ name: 'ACME_API_KEY' })).not.toMatch(/did you mean/);
  });
});
