/**
 * The one way stores load data. A resource keeps the last good answer, where its loading
 * stands (idle, loading, ready, error) and the last error with its message and code. Each call
 * supersedes the one before it: an answer that arrives after a newer call started, or after a
 * reset, is dropped, so a slow answer from before a refresh or a connection switch never
 * overwrites a fresh one. Views pair it with ViewState: `pending` shows the loading state,
 * `failed` the error state with a retry.
 */
import { shallowReactive, shallowRef } from 'vue'
import { IpcError } from '../../../shared/ipc'
import { messageOf } from '../lib/format'

export type ResourceStatus = 'idle' | 'loading' | 'ready' | 'error'

/** Why the last call failed. */
export interface ResourceError {
  readonly message: string
  /** The contract's error code (`not_found`, `host_unreachable`, …), or `unexpected` for anything else thrown. */
  readonly code: string
}

/** Data loaded on demand; `T` is never null itself. */
export interface Resource<T> {
  /** The last good answer; kept while reloading and after a failed reload, null until the first. */
  readonly data: T | null
  readonly status: ResourceStatus
  /** The last call's error; cleared when the next call starts. */
  readonly error: ResourceError | null
  /** A call is under way. */
  readonly loading: boolean
  /** An answer has arrived at some point (it may be being refreshed, or a refresh may have failed). */
  readonly loaded: boolean
  /** The first answer is on its way: nothing to show yet. */
  readonly pending: boolean
  /** The call failed and there is nothing to show. */
  readonly failed: boolean
  /** Loads unless an answer is there already; while a call is under way, waits for that one. */
  load(): Promise<T | null>
  /** Asks again now. Resolves with the newest answer, even when a later call superseded this one. */
  reload(): Promise<T | null>
  /** Takes a fresher answer from elsewhere (what an action returned); calls under way are superseded. */
  set(data: T): void
  /** Changes the data in step with events; a call under way still lands (see `merge`). */
  update(change: (current: T | null) => T | null): void
  /** Forgets the data and the error; answers to calls under way are dropped. */
  reset(): void
}

export interface ResourceOptions<T> {
  /** Combines an answer with the data at the moment it lands, which events may have changed meanwhile. */
  readonly merge?: (answer: T, current: T | null) => T
}

/** The error a view can show for anything a call threw. */
export function toResourceError(cause: unknown): ResourceError {
  return { message: messageOf(cause), code: cause instanceof IpcError ? cause.code : 'unexpected' }
}

/** A resource filled by `fetch`. */
export function createResource<T>(fetch: () => Promise<T>, options: ResourceOptions<T> = {}): Resource<T> {
  const data = shallowRef<T | null>(null)
  const status = shallowRef<ResourceStatus>('idle')
  const error = shallowRef<ResourceError | null>(null)
  // Bumped by every call, set and reset; an answer counts only if nothing bumped it since its call.
  let generation = 0
  let inFlight: Promise<T | null> | null = null

  async function call(mine: number): Promise<T | null> {
    try {
      const answer = await fetch()
      if (mine !== generation) return superseded()
      data.value = options.merge ? options.merge(answer, data.value) : answer
      error.value = null
      status.value = 'ready'
      return data.value
    } catch (cause) {
      if (mine !== generation) return superseded()
      error.value = toResourceError(cause)
      status.value = 'error'
      return null
    }
  }

  /** What a superseded call resolves with: the newer call's answer, or what is there now. */
  function superseded(): Promise<T | null> | T | null {
    return inFlight ?? data.value
  }

  function reload(): Promise<T | null> {
    const mine = ++generation
    status.value = 'loading'
    error.value = null
    const running = call(mine).finally(() => {
      if (inFlight === running) inFlight = null
    })
    inFlight = running
    return running
  }

  function load(): Promise<T | null> {
    if (inFlight) return inFlight
    if (data.value !== null) return Promise.resolve(data.value)
    return reload()
  }

  function set(next: T): void {
    generation += 1
    inFlight = null
    data.value = next
    error.value = null
    status.value = 'ready'
  }

  function update(change: (current: T | null) => T | null): void {
    data.value = change(data.value)
  }

  function reset(): void {
    generation += 1
    inFlight = null
    data.value = null
    error.value = null
    status.value = 'idle'
  }

  return {
    get data() {
      return data.value
    },
    get status() {
      return status.value
    },
    get error() {
      return error.value
    },
    get loading() {
      return status.value === 'loading'
    },
    get loaded() {
      return data.value !== null
    },
    get pending() {
      return status.value === 'loading' && data.value === null
    },
    get failed() {
      return status.value === 'error' && data.value === null
    },
    load,
    reload,
    set,
    update,
    reset,
  }
}

/** Resources of one kind, one per key (a site, an environment), made when first loaded. */
export interface ResourceMap<A extends readonly unknown[], T> {
  /** The resource for these arguments; until something loads it, an idle stand-in that is not kept. */
  get(...args: A): Resource<T>
  /** The resource for these arguments, made if missing. */
  entry(...args: A): Resource<T>
  /** Forgets every resource; answers to calls under way are dropped. */
  reset(): void
}

/** A family of resources keyed by `keyOf`, each filled by `fetch` with its own arguments. */
export function createResourceMap<A extends readonly unknown[], T>(
  keyOf: (...args: A) => string,
  fetch: (...args: A) => Promise<T>,
  options: ResourceOptions<T> = {},
): ResourceMap<A, T> {
  const entries = shallowReactive(new Map<string, Resource<T>>())

  function entry(...args: A): Resource<T> {
    const key = keyOf(...args)
    let found = entries.get(key)
    if (!found) {
      found = createResource(() => fetch(...args), options)
      entries.set(key, found)
    }
    return found
  }

  // Made fresh on each read: creating the real entry while a view renders would write state in a render.
  function idle(args: A): Resource<T> {
    return {
      data: null,
      status: 'idle',
      error: null,
      loading: false,
      loaded: false,
      pending: false,
      failed: false,
      load: () => entry(...args).load(),
      reload: () => entry(...args).reload(),
      set: (data) => entry(...args).set(data),
      update: (change) => entry(...args).update(change),
      reset: () => {},
    }
  }

  return {
    get: (...args) => entries.get(keyOf(...args)) ?? idle(args),
    entry,
    reset() {
      for (const resource of entries.values()) resource.reset()
      entries.clear()
    },
  }
}
