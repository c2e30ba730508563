/**
 * The VUs of a run: planned ones initialized before the test starts, unplanned ones during it
 * (k6 lib/executor: preAllocatedVUs / maxVUs), each with its own instance of the script, ids
 * from the execution segment, and a copy of the setup data.
 *
 * k6 initializes an unplanned VU on another goroutine while the other VUs run on; here every VU
 * shares one thread, so an init context evaluated mid-run would stall every request in flight
 * (40 ms for the opening's photo, engine/README.md) and inflate their timings. So the instances
 * of unplanned VUs are evaluated before the test starts, held in reserve, and counted as
 * initialized (vus_max, exec.instance.vusInitialized) only when an executor takes one, as k6
 * counts them; what their init code logs is held and written then, when k6 would print it.
 * Still different: their init cost is paid before the start, and an init error of one fails the
 * run before the start (k6: when the VU is needed).
 */

import { regularDurationMs, type ScenarioConfig } from '../options.ts';
import { Vu, type Runtime } from '../runtime.ts';
import { SegmentedIndex, type ExecutionTuple } from '../segments.ts';
import type { Instantiator } from './instances.ts';

/** The run's buffer of initialized VUs. */
export class VuPool {
  private readonly free: Vu[] = [];
  /** Instances evaluated ahead for unplanned VUs, not yet counted as initialized. */
  private readonly reserve: Vu[] = [];
  private readonly ids: SegmentedIndex;
  private setupJson: string | undefined;

  constructor(
    private readonly runtime: Runtime,
    private readonly instantiator: Instantiator,
    tuple: ExecutionTuple,
    /** Called when a VU initialized during the run fails its init code (k6 stops the test). */
    private readonly onInitError: (error: unknown) => void,
  ) {
    this.ids = new SegmentedIndex(tuple);
  }

  /** Initializes `count` VUs before the test starts; throws what the script's init code throws. */
  preallocate(count: number, unplanned = 0): void {
    for (let i = 0; i < count; i += 1) {
      this.free.push(this.create());
      this.runtime.vusInitialized += 1;
    }
    for (let i = 0; i < unplanned; i += 1) this.reserve.unshift(this.create(true));
  }

  /** Takes a free VU, or initializes a new one (an unplanned VU). */
  acquire(): Vu {
    const vu = this.free.pop();
    if (vu) return vu;
    const reserved = this.reserve.pop();
    if (reserved) {
      this.runtime.vusInitialized += 1;
      // k6 would initialize it now: its init output appears now
      this.runtime.releaseHeldLog(reserved);
      return reserved;
    }
    try {
      const created = this.create();
      this.runtime.vusInitialized += 1;
      return created;
    } catch (error) {
      this.onInitError(error);
      // a VU without exports: the run is stopping, its iterations do not start
      const [local, global] = this.ids.next();
      return new Vu(local, global, this.runtime.rootGroup);
    }
  }

  /** Returns a VU to the buffer. */
  release(vu: Vu): void {
    this.free.push(vu);
  }

  /** Stores setup()'s result (JSON) and gives every VU its own copy, as k6 does. */
  setSetupData(json: string | undefined): void {
    this.setupJson = json;
    for (const vu of [...this.free, ...this.reserve]) vu.setupData = this.setupData();
  }

  /** A fresh copy of the setup data (undefined without one). */
  setupData(): unknown {
    return this.setupJson === undefined ? undefined : JSON.parse(this.setupJson);
  }

  /** A new VU with its instance; `held`: its init output waits until the VU is taken. */
  private create(held = false): Vu {
    const [local, global] = this.ids.next();
    const vu = new Vu(local, global, this.runtime.rootGroup);
    vu.resetEnv(this.runtime.env);
    if (held) vu.heldLog = [];
    this.instantiator.instantiate(vu);
    vu.setupData = this.setupData();
    return vu;
  }
}

/**
 * Unplanned VUs the scenarios may initialize during the run: arrival-rate scenarios' maxVUs
 * beyond their preAllocatedVUs, summed over all of them (an upper bound; k6 reuses a scenario's
 * VUs in later scenarios, so fewer may be taken).
 */
export function unplannedVus(scenarios: readonly ScenarioConfig[], tuple: ExecutionTuple): number {
  let total = 0;
  for (const scenario of scenarios) {
    if (scenario.executor === 'constant-arrival-rate' || scenario.executor === 'ramping-arrival-rate') {
      total += Math.max(0, tuple.scale(scenario.maxVUs) - tuple.scale(scenario.preAllocatedVUs));
    }
  }
  return total;
}

/**
 * VUs to initialize before the test starts: the largest sum of planned VUs of scenarios that
 * overlap in time (k6 initializes planned VUs up front, unplanned ones during the run).
 */
export function plannedVus(scenarios: readonly ScenarioConfig[], tuple: ExecutionTuple): number {
  const events: Array<[number, number]> = [];
  for (const scenario of scenarios) {
    let planned: number;
    switch (scenario.executor) {
      case 'constant-arrival-rate':
      case 'ramping-arrival-rate':
        planned = tuple.scale(scenario.preAllocatedVUs);
        break;
      case 'ramping-vus':
        planned = tuple.scale(Math.max(scenario.startVUs, ...scenario.stages.map((stage) => stage.target)));
        break;
      default:
        planned = tuple.scale(scenario.vus);
    }
    const end = scenario.startTimeMs + regularDurationMs(scenario) + scenario.gracefulStopMs;
    events.push([scenario.startTimeMs, planned], [end, -planned]);
  }
  events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let current = 0;
  let max = 0;
  for (const [, delta] of events) {
    current += delta;
    max = Math.max(max, current);
  }
  return max;
}
