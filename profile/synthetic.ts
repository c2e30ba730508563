/**
 * Synthetic access logs from a known opening: an arrival curve, a stage mix, think times, error
 * rates and a retry law. Tests and `bench/logs` hold `floodgate profile from-logs` to the numbers
 * that made the log; nothing here reads floodgate's analysis.
 */

import { FUNNEL_STAGES, type FunnelStage } from '../contracts/funnel.ts';
import { fittedArrivalsInMinute, sampleLognormal, type FittedModel } from '../contracts/profile-file.ts';
import { seededRandom, type RandomSource } from '../contracts/random.ts';

/** What the synthetic opening is made of. */
export interface SyntheticOpening {
  readonly model: FittedModel;
  readonly amplitudePerMinute: number;
  /** τ for the exponential, c for the hyperbolic shape, in minutes. */
  readonly shapeMinutes: number;
  readonly minutes: number;
  /** Probability of going on to each stage after completing the one before (landing is 1). */
  readonly continuation: Readonly<Partial<Record<FunnelStage, number>>>;
  /** Think time before each stage: ln(seconds) ~ Normal(mu, sigma). */
  readonly thinkTime: { readonly mu: number; readonly sigma: number };
  /** Probability that one attempt gets each bad answer, per stage. */
  readonly errors: Readonly<
    Partial<
      Record<FunnelStage, { readonly throttled?: number; readonly capacity?: number; readonly behavioural?: number }>
    >
  >;
  /** After a bad answer of a class: probability of another attempt, and its delay. */
  readonly retry: Readonly<
    Record<
      'throttled' | 'capacity' | 'behavioural',
      { readonly share: number; readonly mu: number; readonly sigma: number }
    >
  >;
  /** The opening instant, ms since the epoch (a whole minute). */
  readonly openingAtMs: number;
  readonly seed: number;
}

/** A log line generator's output: the lines (not in time order), and what they hold. Made asynchronously, yielding once a minute of the opening. */
export interface SyntheticLog {
  readonly lines: string[];
  readonly arrivalsPerMinute: number[];
  readonly applicants: number;
  /** Applicants who tried each stage. */
  readonly reached: Record<string, number>;
  /** Noise lines added per kind (health, static, bot, malformed). */
  readonly noise: Record<string, number>;
}

const PATHS: Readonly<Record<FunnelStage, readonly [string, string]>> = {
  landing: ['GET', '/'],
  register: ['POST', '/api/register'],
  verify_email: ['POST', '/api/verify-email'],
  verify_nik: ['POST', '/api/verify-nik'],
  upload_photo: ['POST', '/api/photo'],
  join_batch: ['POST', '/api/batches/b-1/join'],
};
const BROWSER = 'Mozilla/5.0 (X11; Linux x86_64)';
const STATUS = { ok: 200, throttled: 429, capacity: 503, behavioural: 422 } as const;
const ZONES = [420, 0, -300, 330] as const; // +07:00, Z, -05:00, +05:30: one log, several zones
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** nginx `$time_local` of `ms` in the zone `offsetMinutes` east of UTC. */
export function timeLocal(ms: number, offsetMinutes: number): string {
  const d = new Date(ms + offsetMinutes * 60_000);
  const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
  const sign = offsetMinutes < 0 ? '-' : '+';
  const off = Math.abs(offsetMinutes);
  return `${pad(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${pad(d.getUTCFullYear(), 4)}:${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} ${sign}${pad(Math.floor(off / 60))}${pad(off % 60)}`;
}

/** Poisson draw: Knuth below 30, a rounded normal above (its error is far below the tolerances). */
function poisson(mean: number, random: RandomSource): number {
  if (mean < 30) {
    const limit = Math.exp(-mean);
    let k = 0;
    for (let p = random(); p > limit; p *= random()) k += 1;
    return k;
  }
  const normal = Math.sqrt(-2 * Math.log(Math.max(random(), Number.MIN_VALUE))) * Math.cos(2 * Math.PI * random());
  return Math.max(0, Math.round(mean + Math.sqrt(mean) * normal));
}

/** A request as the generator made it, before it is written in a format. */
interface SyntheticRequest {
  readonly startMs: number;
  readonly durationSeconds: number;
  readonly stage: FunnelStage;
  readonly status: number;
  readonly client: string;
  /** Overrides for the noise lines. */
  readonly path?: string;
  readonly userAgent?: string;
}

/** Lines in nginx `combined` + `$request_time`, with noise, across time zones. */
export function syntheticCombinedLog(
  opening: SyntheticOpening,
  options: { readonly noise?: boolean } = {},
): Promise<SyntheticLog> {
  return syntheticLog(opening, options.noise ?? true, (request, random) => {
    const endMs = request.startMs + request.durationSeconds * 1000;
    const zone = ZONES[Math.floor(random() * ZONES.length)]!;
    const [method, stagePath] = PATHS[request.stage];
    const path = request.path ?? stagePath;
    return `${request.client} - - [${timeLocal(Math.floor(endMs / 1000) * 1000, zone)}] "${method} ${path} HTTP/1.1" ${request.status} 512 "-" "${request.userAgent ?? BROWSER}" ${request.durationSeconds.toFixed(3)}`;
  });
}

/**
 * Lines in AWS ALB's format: its time has microseconds, so delays between requests are exact
 * (the combined format logs whole seconds).
 */
export function syntheticAlbLog(
  opening: SyntheticOpening,
  options: { readonly noise?: boolean } = {},
): Promise<SyntheticLog> {
  return syntheticLog(opening, options.noise ?? true, (request) => {
    const endMs = request.startMs + request.durationSeconds * 1000;
    const [method, stagePath] = PATHS[request.stage];
    const path = request.path ?? stagePath;
    const time = new Date(endMs).toISOString().replace('Z', '000Z');
    const part = (request.durationSeconds / 3).toFixed(6);
    return `https ${time} app/floodgate/50dc6c495c0c9188 ${request.client.replace(/^2001:db8::/, '198.51.')}:40000 10.0.0.1:80 ${part} ${part} ${part} ${request.status} ${request.status} 120 512 "${method} https://registration.example.invalid:443${path} HTTP/1.1" "${request.userAgent ?? BROWSER}" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 arn:aws:elasticloadbalancing:ap-southeast-3:123456789012:targetgroup/floodgate/73e2d6bc24d8a067 "Root=1-58337262-36d228ad5d99923122bbe354" "registration.example.invalid" "arn:aws:acm:ap-southeast-3:123456789012:certificate/12345678-1234-1234-1234-123456789012" 0 ${new Date(request.startMs).toISOString()} "forward" "-" "-" "10.0.0.1:80" "${request.status}" "-" "-" TID_1234`;
  });
}

async function syntheticLog(
  opening: SyntheticOpening,
  noise: boolean,
  format: (request: SyntheticRequest, random: RandomSource) => string,
): Promise<SyntheticLog> {
  const random = seededRandom(opening.seed);
  const lines: string[] = [];
  const arrivalsPerMinute: number[] = [];
  const reached: Record<string, number> = {};
  const noiseCount: Record<string, number> = { health: 0, static: 0, bot: 0, malformed: 0 };
  const curve =
    opening.model === 'opening-exp'
      ? { model: opening.model, amplitudePerMinute: opening.amplitudePerMinute, tauMinutes: opening.shapeMinutes }
      : { model: opening.model, amplitudePerMinute: opening.amplitudePerMinute, cMinutes: opening.shapeMinutes };
  let applicant = 0;
  for (let minute = 0; minute < opening.minutes; minute += 1) {
    // a million lines take a while: let the event loop (a test runner's heartbeat) breathe
    await new Promise((resolve) => setImmediate(resolve));
    const arrivals = poisson(fittedArrivalsInMinute(curve, minute), random);
    arrivalsPerMinute.push(arrivals);
    for (let a = 0; a < arrivals; a += 1) {
      applicant += 1;
      // whole seconds: the combined format logs seconds, so a start near a minute's end would
      // otherwise be logged in the next minute
      let at = opening.openingAtMs + minute * 60_000 + Math.floor(random() * 59) * 1000 + 500;
      const client = `2001:db8::${applicant.toString(16)}`;
      for (const stage of FUNNEL_STAGES) {
        if (stage !== 'landing') {
          if (random() >= (opening.continuation[stage] ?? 1)) break;
          at += sampleLognormal(opening.thinkTime, random(), random()) * 1000;
        }
        reached[stage] = (reached[stage] ?? 0) + 1;
        let done = false;
        for (let attempt = 0; attempt < 50; attempt += 1) {
          const durationSeconds = 0.02 + random() * 0.2;
          const draw = random();
          const rates = opening.errors[stage] ?? {};
          let outcome: keyof typeof STATUS = 'ok';
          let edge = 0;
          for (const name of ['throttled', 'capacity', 'behavioural'] as const) {
            edge += rates[name] ?? 0;
            if (outcome === 'ok' && draw < edge) outcome = name;
          }
          lines.push(format({ startMs: at, durationSeconds, stage, status: STATUS[outcome], client }, random));
          at += durationSeconds * 1000;
          if (outcome === 'ok') {
            done = true;
            break;
          }
          const law = opening.retry[outcome];
          if (random() >= law.share) break;
          at += sampleLognormal(law, random(), random()) * 1000;
        }
        if (!done) break;
      }
      if (noise && applicant % 50 === 0) {
        const base = { startMs: at, durationSeconds: 0.001, stage: 'landing', status: 200 } as const;
        lines.push(format({ ...base, client: '2001:db8::ffff', path: '/healthz' }, random));
        lines.push(format({ ...base, client, path: '/static/app.css' }, random));
        lines.push(
          format(
            { ...base, client: '2001:db8::fffe', userAgent: 'Googlebot/2.1 (+http://www.google.com/bot.html)' },
            random,
          ),
        );
        lines.push('this line is not an access log line');
        noiseCount.health! += 1;
        noiseCount.static! += 1;
        noiseCount.bot! += 1;
        noiseCount.malformed! += 1;
      }
    }
  }
  return { lines, arrivalsPerMinute, applicants: applicant, reached, noise: noiseCount };
}
