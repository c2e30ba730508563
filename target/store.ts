/**
 * The target's SQLite store (better-sqlite3, WAL): applicants, photos, batches and memberships,
 * with the run id of each synthetic applicant on every row so the truth endpoint can count one
 * run. Unique indexes reject duplicate emails and NIKs; a batch seat is taken in one transaction
 * with a guarded UPDATE, so a batch is never oversold. better-sqlite3 is synchronous: each call
 * below runs to its end before any other request is handled.
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { FloodgateError } from '../contracts/errors.ts';

/** Stages the store keeps records for (landing leaves none). */
export const RECORD_STAGES = ['register', 'verify_email', 'verify_nik', 'upload_photo', 'join_batch'] as const;
/** A stage with stored records. */
export type RecordStage = (typeof RECORD_STAGES)[number];
/** Records per stage. */
export type StageCounts = Record<RecordStage, number>;

/** A registration to store. */
export interface NewApplicant {
  readonly publicId: string;
  readonly run: string | undefined;
  readonly email: string;
  readonly nik: string;
  readonly fullName: string;
  readonly passwordHash: string;
  readonly dateOfBirth: string;
  readonly sessionToken: string;
  readonly emailToken: string;
}

/** A stored applicant, as handlers need it. */
export interface ApplicantRecord {
  readonly id: number;
  readonly run: string | null;
  readonly email: string;
  readonly nik: string;
  readonly dateOfBirth: string;
  readonly emailToken: string;
  readonly emailVerified: boolean;
  readonly nikVerified: boolean;
}

/** One training batch. */
export interface Batch {
  readonly id: number;
  readonly name: string;
  readonly seats: number;
  readonly taken: number;
}

/** Answer of a join. */
export type JoinResult = 'joined' | 'full' | 'already_joined' | 'unknown_batch';

/** How the store is opened. */
export interface StoreOptions {
  /**
   * SQLite file. `undefined` = a fresh file in a temporary folder, removed on close (WAL needs a
   * file); `:memory:` = in memory (no WAL).
   */
  readonly path?: string;
  /** Batches created when the database has none. */
  readonly batches: number;
  /** Seats per created batch. */
  readonly batchSeats: number;
}

/** The store of one target. */
export interface Store {
  /** Where the database lives (`:memory:` or a file path). */
  readonly path: string;
  /** Stores an applicant; `duplicate` names the unique field that already exists. */
  register(applicant: NewApplicant): { kind: 'stored' } | { kind: 'duplicate'; field: 'email' | 'nik' };
  /** The unique field an applicant with this email or NIK would collide on, if any. */
  conflictOf(email: string, nik: string): 'email' | 'nik' | undefined;
  bySession(token: string): ApplicantRecord | undefined;
  byEmail(email: string): ApplicantRecord | undefined;
  markEmailVerified(id: number): void;
  markNikVerified(id: number): void;
  /** Stores (or replaces) the photo facts of an applicant: size and hash, never the bytes. */
  savePhoto(id: number, run: string | null, bytes: number, sha256: string, contentType: string): void;
  hasPhoto(id: number): boolean;
  batches(): Batch[];
  /** Takes one seat of `batchId` for the applicant, in one transaction. */
  joinBatch(id: number, run: string | null, batchId: number): JoinResult;
  /** Stored records per stage for one run. */
  truth(run: string): StageCounts;
  /** Stored records per stage over all runs. */
  totals(): Readonly<StageCounts>;
  close(): void;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS applicants (
  id INTEGER PRIMARY KEY,
  public_id TEXT NOT NULL UNIQUE,
  run TEXT,
  email TEXT NOT NULL UNIQUE,
  nik TEXT NOT NULL UNIQUE,
  full_name TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  date_of_birth TEXT NOT NULL,
  session_token TEXT NOT NULL UNIQUE,
  email_token TEXT NOT NULL,
  email_verified_at INTEGER,
  nik_verified_at INTEGER,
  created_at INTEGER NOT NULL
);
-- Covers the truth query: counts per run without reading the table rows.
CREATE INDEX IF NOT EXISTS applicants_truth ON applicants (run, email_verified_at, nik_verified_at);
CREATE TABLE IF NOT EXISTS photos (
  applicant_id INTEGER PRIMARY KEY REFERENCES applicants (id),
  run TEXT,
  bytes INTEGER NOT NULL,
  sha256 TEXT NOT NULL,
  content_type TEXT NOT NULL,
  uploaded_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS photos_by_run ON photos (run);
CREATE TABLE IF NOT EXISTS batches (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  seats INTEGER NOT NULL CHECK (seats >= 0),
  taken INTEGER NOT NULL DEFAULT 0 CHECK (taken >= 0 AND taken <= seats)
);
CREATE TABLE IF NOT EXISTS memberships (
  applicant_id INTEGER PRIMARY KEY REFERENCES applicants (id),
  batch_id INTEGER NOT NULL REFERENCES batches (id),
  run TEXT,
  joined_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS memberships_by_run ON memberships (run);
`;

interface ApplicantRow {
  id: number;
  run: string | null;
  email: string;
  nik: string;
  date_of_birth: string;
  email_token: string;
  email_verified_at: number | null;
  nik_verified_at: number | null;
}

/** Opens (or creates) the store. Throws DATABASE_FAILED when the file cannot be opened. */
export function openStore(options: StoreOptions): Store {
  const temporaryFolder = options.path === undefined ? mkdtempSync(join(tmpdir(), 'floodgate-target-')) : undefined;
  const path = options.path ?? join(temporaryFolder!, 'target.sqlite');
  let db: Database.Database;
  try {
    db = new Database(path);
    if (path !== ':memory:') db.pragma('journal_mode = WAL');
    // WAL + NORMAL: a commit is durable against a process crash, fsync only at checkpoints.
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    db.exec(SCHEMA);
  } catch (error) {
    if (temporaryFolder) rmSync(temporaryFolder, { recursive: true, force: true });
    throw new FloodgateError(
      'DATABASE_FAILED',
      { path, detail: error instanceof Error ? error.message : String(error) },
      { cause: error },
    );
  }

  const batchCount = (db.prepare('SELECT count(*) AS n FROM batches').get() as { n: number }).n;
  if (batchCount === 0) {
    const insertBatch = db.prepare('INSERT INTO batches (name, seats) VALUES (?, ?)');
    db.transaction(() => {
      for (let index = 1; index <= options.batches; index += 1) insertBatch.run(`Batch ${index}`, options.batchSeats);
    })();
  }

  const statements = {
    insertApplicant: db.prepare(
      `INSERT INTO applicants (public_id, run, email, nik, full_name, password_hash, date_of_birth, session_token, email_token, created_at)
       VALUES (@publicId, @run, @email, @nik, @fullName, @passwordHash, @dateOfBirth, @sessionToken, @emailToken, @createdAt)`,
    ),
    emailExists: db.prepare('SELECT 1 FROM applicants WHERE email = ?').pluck(),
    nikExists: db.prepare('SELECT 1 FROM applicants WHERE nik = ?').pluck(),
    bySession: db.prepare(
      'SELECT id, run, email, nik, date_of_birth, email_token, email_verified_at, nik_verified_at FROM applicants WHERE session_token = ?',
    ),
    byEmail: db.prepare(
      'SELECT id, run, email, nik, date_of_birth, email_token, email_verified_at, nik_verified_at FROM applicants WHERE email = ?',
    ),
    verifyEmail: db.prepare('UPDATE applicants SET email_verified_at = ? WHERE id = ? AND email_verified_at IS NULL'),
    verifyNik: db.prepare('UPDATE applicants SET nik_verified_at = ? WHERE id = ? AND nik_verified_at IS NULL'),
    photoExists: db.prepare('SELECT 1 FROM photos WHERE applicant_id = ?').pluck(),
    upsertPhoto: db.prepare(
      `INSERT INTO photos (applicant_id, run, bytes, sha256, content_type, uploaded_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (applicant_id) DO UPDATE SET bytes = excluded.bytes, sha256 = excluded.sha256,
         content_type = excluded.content_type, uploaded_at = excluded.uploaded_at`,
    ),
    batches: db.prepare('SELECT id, name, seats, taken FROM batches ORDER BY id'),
    batchExists: db.prepare('SELECT 1 FROM batches WHERE id = ?').pluck(),
    membershipExists: db.prepare('SELECT 1 FROM memberships WHERE applicant_id = ?').pluck(),
    takeSeat: db.prepare('UPDATE batches SET taken = taken + 1 WHERE id = ? AND taken < seats'),
    insertMembership: db.prepare(
      'INSERT INTO memberships (applicant_id, batch_id, run, joined_at) VALUES (?, ?, ?, ?)',
    ),
    truthApplicants: db.prepare(
      'SELECT count(*) AS registered, count(email_verified_at) AS emails, count(nik_verified_at) AS niks FROM applicants WHERE run = ?',
    ),
    truthPhotos: db.prepare('SELECT count(*) FROM photos WHERE run = ?').pluck(),
    truthMemberships: db.prepare('SELECT count(*) FROM memberships WHERE run = ?').pluck(),
    totalApplicants: db.prepare(
      'SELECT count(*) AS registered, count(email_verified_at) AS emails, count(nik_verified_at) AS niks FROM applicants',
    ),
    totalPhotos: db.prepare('SELECT count(*) FROM photos').pluck(),
    totalMemberships: db.prepare('SELECT count(*) FROM memberships').pluck(),
  };

  const countsOf = (
    applicants: { registered: number; emails: number; niks: number },
    photos: number,
    memberships: number,
  ): StageCounts => ({
    register: applicants.registered,
    verify_email: applicants.emails,
    verify_nik: applicants.niks,
    upload_photo: photos,
    join_batch: memberships,
  });

  // Running totals for /metrics, so a scrape never scans the tables.
  const totals = countsOf(
    statements.totalApplicants.get() as { registered: number; emails: number; niks: number },
    statements.totalPhotos.get() as number,
    statements.totalMemberships.get() as number,
  );

  const toRecord = (row: ApplicantRow | undefined): ApplicantRecord | undefined =>
    row && {
      id: row.id,
      run: row.run,
      email: row.email,
      nik: row.nik,
      dateOfBirth: row.date_of_birth,
      emailToken: row.email_token,
      emailVerified: row.email_verified_at !== null,
      nikVerified: row.nik_verified_at !== null,
    };

  const conflictOf = (email: string, nik: string): 'email' | 'nik' | undefined => {
    if (statements.emailExists.get(email)) return 'email';
    if (statements.nikExists.get(nik)) return 'nik';
    return undefined;
  };

  const takeSeat = db.transaction((id: number, run: string | null, batchId: number): JoinResult => {
    if (!statements.batchExists.get(batchId)) return 'unknown_batch';
    if (statements.membershipExists.get(id)) return 'already_joined';
    if (statements.takeSeat.run(batchId).changes === 0) return 'full';
    statements.insertMembership.run(id, batchId, run, Date.now());
    return 'joined';
  });

  return {
    path,
    register(applicant) {
      try {
        statements.insertApplicant.run({ ...applicant, run: applicant.run ?? null, createdAt: Date.now() });
        totals.register += 1;
        return { kind: 'stored' };
      } catch (error) {
        const message = error instanceof Error ? error.message : '';
        if ((error as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') {
          // SQLite names the first index it checked; report the email first when both collide.
          const field = conflictOf(applicant.email, applicant.nik);
          if (field) return { kind: 'duplicate', field };
          if (message.includes('applicants.email')) return { kind: 'duplicate', field: 'email' };
          if (message.includes('applicants.nik')) return { kind: 'duplicate', field: 'nik' };
        }
        throw error;
      }
    },
    conflictOf,
    bySession: (token) => toRecord(statements.bySession.get(token) as ApplicantRow | undefined),
    byEmail: (email) => toRecord(statements.byEmail.get(email) as ApplicantRow | undefined),
    markEmailVerified(id) {
      totals.verify_email += statements.verifyEmail.run(Date.now(), id).changes;
    },
    markNikVerified(id) {
      totals.verify_nik += statements.verifyNik.run(Date.now(), id).changes;
    },
    savePhoto(id, run, bytes, sha256, contentType) {
      const existed = Boolean(statements.photoExists.get(id));
      statements.upsertPhoto.run(id, run, bytes, sha256, contentType, Date.now());
      if (!existed) totals.upload_photo += 1;
    },
    hasPhoto: (id) => Boolean(statements.photoExists.get(id)),
    batches: () => statements.batches.all() as Batch[],
    joinBatch(id, run, batchId) {
      const result = takeSeat.immediate(id, run, batchId);
      if (result === 'joined') totals.join_batch += 1;
      return result;
    },
    truth(run) {
      return countsOf(
        statements.truthApplicants.get(run) as { registered: number; emails: number; niks: number },
        statements.truthPhotos.get(run) as number,
        statements.truthMemberships.get(run) as number,
      );
    },
    totals: () => ({ ...totals }),
    close() {
      if (db.open) db.close();
      if (temporaryFolder) rmSync(temporaryFolder, { recursive: true, force: true });
    },
  };
}
