import { EXPLORE_DEFAULTS } from '#shared/limits';
import { inAppWords } from './appHints';
import type { Slice, SliceContext } from './sliceContext';
import type { ExploreActions, ExploreSlice } from './types';

/** Whether a map, an index or duplicates are being made: the host does one at a time. */
export function longWorkRunning({ mapping, indexing, findingDuplicates }: ExploreSlice): boolean {
  return mapping !== null || indexing !== null || findingDuplicates !== null;
}

/** Explore: the finished output opened, the query and its prefix, and the rows nearest to it. */
export function createExploreSlice({ api, get, patch }: SliceContext): Slice<'explore', ExploreActions> {
  let openRun = 0;
  let searchRun = 0;
  let mapRun = 0;
  let indexRun = 0;
  let duplicatesRun = 0;

  const longWork = (): boolean => longWorkRunning(get().explore);

  const actions: ExploreActions = {
    setExplorePath(path) {
      patch('explore', { path, openError: null });
    },

    async pickExplorePath() {
      const reply = await api.request('explore:pick', {});
      if (!reply.ok) patch('explore', { openError: inAppWords(reply.error) });
      else if (reply.value) await actions.openExplored(reply.value);
    },

    async openExplored(given) {
      const path = (given ?? get().explore.path).trim();
      const run = ++openRun;
      if (!path) {
        const browse = get().host === 'electron' ? ' Or use Browse….' : '';
        return patch('explore', {
          opened: null,
          openError: { code: 'NO_PATH', message: `Enter the path of an embeddings file first.${browse}` },
        });
      }
      const { opened, openError } = get().explore;
      if (opened?.output === path && !openError && given === undefined) return;
      patch('explore', { path, opening: true, openError: null, error: null });
      const reply = await api.request('explore:open', { output: path });
      if (run !== openRun) return;
      if (!reply.ok)
        return patch('explore', { opening: false, opened: null, hits: null, openError: inAppWords(reply.error) });
      const changed = opened?.output !== reply.value.output;
      patch('explore', {
        opening: false,
        opened: reply.value,
        // The prefix as edited stays for the same output; another output starts from its model's.
        ...(changed
          ? {
              queryPrefix: reply.value.queryPrefix ?? '',
              hits: null,
              neighbours: null,
              indexError: null,
              duplicates: null,
              duplicatesError: null,
              duplicatesExported: null,
            }
          : {}),
      });
    },

    async exploreLastRun() {
      const { job, explore } = get();
      const output = job.status === 'done' ? job.summary?.outputs[0] : undefined;
      if (!output || output === explore.lastRun) return;
      patch('explore', { lastRun: output });
      await actions.openExplored(output);
    },

    async exploreOutput(output) {
      patch('explore', { lastRun: output });
      get().actions.showView('explore');
      await actions.openExplored(output);
    },

    setQuery(query) {
      patch('explore', { query });
    },

    setQueryPrefix(queryPrefix) {
      patch('explore', { queryPrefix });
    },

    setTop(top) {
      patch('explore', { top });
    },

    async search() {
      const query = get().explore.query.trim();
      if (get().explore.searching || !query) return;
      await actions.openExplored();
      const { opened, queryPrefix, top } = get().explore;
      if (!opened) return;
      const run = ++searchRun;
      patch('explore', { searching: true, error: null });
      const reply = await api.request('explore:search', { output: opened.output, query, top, queryPrefix });
      if (run !== searchRun) return;
      if (reply.ok) patch('explore', { searching: false, hits: reply.value.hits });
      else patch('explore', { searching: false, hits: null, error: inAppWords(reply.error) });
    },

    async openMap() {
      await actions.openExplored();
      const { opened } = get().explore;
      if (!opened || longWork()) return;
      const run = ++mapRun;
      patch('explore', { mapping: { phase: 'sample', done: 0, total: opened.rows }, mapError: null });
      const reply = await api.request('explore:map', { output: opened.output });
      if (run !== mapRun) return;
      if (reply.ok)
        patch('explore', { mapping: null, map: reply.value, neighbours: null, selection: [], exported: null });
      else patch('explore', { mapping: null, map: null, mapError: inAppWords(reply.error) });
    },

    async cancelLongWork() {
      await api.request('explore:cancel', {});
    },

    async buildIndex() {
      await actions.openExplored();
      const { opened } = get().explore;
      if (!opened || longWork()) return;
      const run = ++indexRun;
      patch('explore', { indexing: { done: 0, total: opened.rows }, indexError: null });
      const reply = await api.request('explore:index', { output: opened.output });
      if (run !== indexRun) return;
      const now = get().explore.opened;
      if (reply.ok)
        patch('explore', {
          indexing: null,
          opened: now?.output === opened.output ? { ...now, index: reply.value } : now,
        });
      else patch('explore', { indexing: null, indexError: inAppWords(reply.error) });
    },

    setThreshold(threshold) {
      patch('explore', { threshold });
    },

    async findDuplicates() {
      await actions.openExplored();
      const { opened, threshold } = get().explore;
      if (!opened || longWork()) return;
      const run = ++duplicatesRun;
      patch('explore', {
        findingDuplicates: { phase: 'index', done: 0, total: opened.rows },
        duplicatesError: null,
        duplicatesExported: null,
      });
      const reply = await api.request('explore:duplicates', { output: opened.output, threshold });
      if (run !== duplicatesRun) return;
      if (reply.ok) patch('explore', { findingDuplicates: null, duplicates: reply.value });
      else patch('explore', { findingDuplicates: null, duplicates: null, duplicatesError: inAppWords(reply.error) });
    },

    setDuplicatesPath(duplicatesPath) {
      patch('explore', { duplicatesPath });
    },

    async exportDuplicates(what) {
      const { duplicates, duplicatesPath } = get().explore;
      if (!duplicates) return;
      const path = get().host === 'electron' ? null : duplicatesPath.trim();
      if (path === '')
        return patch('explore', {
          duplicatesError: { code: 'NO_PATH', message: 'Enter the path of the file to write to first.' },
        });
      const { output, threshold } = duplicates;
      const reply = await api.request('explore:exportDuplicates', { output, threshold, what, path });
      if (!reply.ok) return patch('explore', { duplicatesError: inAppWords(reply.error) });
      const written = reply.value.path;
      patch('explore', {
        duplicatesError: null,
        ...(written === null ? {} : { duplicatesExported: { what, path: written } }),
      });
    },

    async showNeighbours(place) {
      const { opened, top } = get().explore;
      if (!opened) return;
      const reply = await api.request('explore:neighbours', { output: opened.output, place, top });
      if (reply.ok) patch('explore', { neighbours: reply.value, neighboursError: null });
      else patch('explore', { neighbours: null, neighboursError: inAppWords(reply.error) });
    },

    selectLines(lines) {
      patch('explore', { selection: [...lines].sort((a, b) => a - b), exported: null });
    },

    setExportPath(exportPath) {
      patch('explore', { exportPath });
    },

    async exportSelection() {
      const { selection, exportPath } = get().explore;
      if (!selection.length) return;
      const path = get().host === 'electron' ? null : exportPath.trim();
      if (path === '')
        return patch('explore', {
          mapError: { code: 'NO_PATH', message: 'Enter the path of the file to write the lines to first.' },
        });
      const reply = await api.request('explore:exportLines', { path, lines: selection });
      if (reply.ok) patch('explore', { exported: reply.value.path, mapError: null });
      else patch('explore', { mapError: inAppWords(reply.error) });
    },

    async mapRows(places) {
      const map = get().explore.map;
      if (!map || !places.length) return [];
      const reply = await api.request('explore:rows', { output: map.output, places });
      return reply.ok ? reply.value.rows : [];
    },
  };

  const explore = {
    path: '',
    opened: null,
    opening: false,
    openError: null,
    lastRun: null,
    query: '',
    queryPrefix: '',
    top: EXPLORE_DEFAULTS.top,
    searching: false,
    hits: null,
    error: null,
    map: null,
    mapping: null,
    mapError: null,
    neighbours: null,
    neighboursError: null,
    selection: [],
    exportPath: '',
    exported: null,
    indexing: null,
    indexError: null,
    threshold: EXPLORE_DEFAULTS.threshold,
    duplicates: null,
    findingDuplicates: null,
    duplicatesError: null,
    duplicatesPath: '',
    duplicatesExported: null,
  };
  return { state: { explore }, actions };
}
