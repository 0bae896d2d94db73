import type { StoreApi } from 'zustand/vanilla';
import type { StudioApi } from '#shared/contract';
import type { StudioState } from './types';

export type SliceName = 'model' | 'library' | 'input' | 'settings' | 'job' | 'view' | 'explore';

/**
 * What each slice of the store is made with (zustand's slices pattern): the host, the store's `set` and `get`, and the
 * two helpers that several slices call. A slice reaches another's actions through `get().actions`.
 */
export interface SliceContext {
  api: StudioApi;
  set: StoreApi<StudioState>['setState'];
  get: StoreApi<StudioState>['getState'];
  /** Merges `value` into one slice's state. */
  patch<K extends SliceName>(slice: K, value: Partial<StudioState[K]>): void;
  /** Saves the settings once they have stopped changing for a moment (the settings slice). */
  scheduleSave(): void;
  /** Asks the host whether the chosen output has an unfinished run, unless a run goes (the job slice). */
  findUnfinished(): Promise<void>;
}

/** A slice: its part of the state and its actions, which createStudioStore merges into the one `actions` object. */
export interface Slice<K extends keyof StudioState, A> {
  state: Pick<StudioState, K>;
  actions: A;
}
