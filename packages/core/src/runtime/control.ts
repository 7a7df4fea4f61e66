// SPDX-License-Identifier: MIT
// Layout of the pool's control block: one SharedArrayBuffer that the calling thread and every
// worker read and write with Atomics. Int32 slots first, then float64 kernel arguments.

/** Bumped once per job; workers sleep on it with Atomics.wait. */
export const EPOCH = 0;
/** 1 while the current job accepts workers, 0 once the caller has closed it. */
export const OPEN = 1;
/** The next unclaimed task index (claimed with Atomics.add). */
export const NEXT = 2;
/** Number of tasks of the current job. */
export const TASKS = 3;
/** Workers inside the current job; the caller waits until it is 0. */
export const ACTIVE = 4;
/** Registered module id of the current job. */
export const MODULE = 5;
/** Index of the export among the module's function exports. */
export const EXPORT = 6;
/** Number of kernel arguments after (begin, end). */
export const ARGC = 7;
/** The first task a worker failed on, or -1. */
export const FAILED = 8;

/** Most workers a pool runs (per-worker slots below). */
export const MAX_WORKERS = 64;
/** Per worker: how many registered modules it has instantiated (always a prefix of the ids). */
export const READY_BASE = 16;
/** Per worker: a generation number; a worker whose generation changed exits. */
export const GEN_BASE = READY_BASE + MAX_WORKERS;
/** Per worker: tasks it has run (statistics, and proof in tests that workers took part). */
export const DONE_BASE = GEN_BASE + MAX_WORKERS;

/** Kernel arguments, as float64 so pointers, sizes and float scalars all pass exactly. */
export const ARGS_BYTE_OFFSET = 1024;
export const MAX_ARGS = 32;
export const CONTROL_BYTES = ARGS_BYTE_OFFSET + 8 * MAX_ARGS;
