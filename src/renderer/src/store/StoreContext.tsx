import { createContext, useContext, type ReactNode } from 'react';
import { useStore } from 'zustand';
import type { StudioStore } from './createStudioStore';
import type { StudioActions, StudioState } from './types';

const StoreContext = createContext<StudioStore | null>(null);

export function StoreProvider({ store, children }: { store: StudioStore; children: ReactNode }) {
  return <StoreContext.Provider value={store}>{children}</StoreContext.Provider>;
}

/** The store itself, for code that follows it outside React's renders (the charts). */
export function useStudioStore(): StudioStore {
  const store = useContext(StoreContext);
  if (!store) throw new Error('useStudioStore needs a StoreProvider above it');
  return store;
}

/** A part of the state; select slices or values, not new objects, so unrelated changes don't re-render. */
export function useStudio<T>(selector: (state: StudioState) => T): T {
  return useStore(useStudioStore(), selector);
}

export function useActions(): StudioActions {
  return useStudio((state) => state.actions);
}
