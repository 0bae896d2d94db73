import { useEffect, useMemo, useRef, useState, type PointerEvent, type WheelEvent } from 'react';
import type { ExploreMap, ExploreRow } from '#shared/contract';
import { formatCount } from '#shared/format';
import { longWorkRunning } from '../store/exploreSlice';
import { useActions, useStudio } from '../store/StoreContext';
import { ErrorMessage } from './ErrorMessage';
import { rowLabel } from './HitList';
import { PathField } from './PathField';

/** What each phase of making a map is called while it runs. */
const PHASES: Record<string, string> = {
  sample: 'Reading a sample',
  preview: 'Previewing',
  layout: 'Laying out',
  place: 'Placing every row',
};

/** Twelve colours apart from each other, cluster by cluster (repeating past twelve). */
const PALETTE = [
  [0.12, 0.47, 0.71],
  [1.0, 0.5, 0.05],
  [0.17, 0.63, 0.17],
  [0.84, 0.15, 0.16],
  [0.58, 0.4, 0.74],
  [0.55, 0.34, 0.29],
  [0.89, 0.47, 0.76],
  [0.5, 0.5, 0.5],
  [0.74, 0.74, 0.13],
  [0.09, 0.75, 0.81],
  [0.3, 0.3, 0.8],
  [0.9, 0.3, 0.5],
] as const;

/** Pixels from the pointer within which a point counts as pointed at. */
const HOVER_PX = 6;

/** The view: map units to CSS pixels, `scale` and the CSS pixel of the map's origin. */
interface View {
  scale: number;
  x: number;
  y: number;
}

/** A view that fits every point in a `width` × `height` canvas, with a margin. */
function fitView(map: ExploreMap, width: number, height: number): View {
  const minX = Math.min(...map.x);
  const maxX = Math.max(...map.x);
  const minY = Math.min(...map.y);
  const maxY = Math.max(...map.y);
  const scale = 0.9 * Math.min(width / (maxX - minX || 1), height / (maxY - minY || 1));
  return { scale, x: width / 2 - scale * ((minX + maxX) / 2), y: height / 2 + scale * ((minY + maxY) / 2) };
}

function toScreen(view: View, x: number, y: number): [number, number] {
  return [view.x + view.scale * x, view.y - view.scale * y];
}

const VERTEX = `#version 300 es
in vec2 position;
in vec3 colour;
uniform vec2 size;
uniform vec3 view;
uniform float pointSize;
out vec3 pointColour;
void main() {
  vec2 screen = vec2(view.y + view.x * position.x, view.z - view.x * position.y);
  gl_Position = vec4(screen / size * 2.0 - 1.0, 0.0, 1.0) * vec4(1.0, -1.0, 1.0, 1.0);
  gl_PointSize = pointSize;
  pointColour = colour;
}`;

const FRAGMENT = `#version 300 es
precision mediump float;
in vec3 pointColour;
out vec4 colour;
void main() {
  vec2 at = gl_PointCoord - 0.5;
  if (dot(at, at) > 0.25) discard;
  colour = vec4(pointColour, 0.85);
}`;

interface Scene {
  draw(view: View, width: number, height: number): void;
}

function compile(gl: WebGL2RenderingContext, type: number, source: string): WebGLShader {
  const shader = gl.createShader(type);
  if (!shader) throw new Error('WebGL could not make a shader.');
  gl.shaderSource(shader, source);
  gl.compileShader(shader);
  if (!gl.getShaderParameter(shader, gl.COMPILE_STATUS)) throw new Error(gl.getShaderInfoLog(shader) ?? 'shader');
  return shader;
}

/** The map's points in WebGL2 buffers, drawn at any view. */
function makeScene(canvas: HTMLCanvasElement, map: ExploreMap): Scene | null {
  const gl = canvas.getContext('webgl2', { antialias: true, preserveDrawingBuffer: true });
  if (!gl) return null;
  const dpr = window.devicePixelRatio || 1;
  const program = gl.createProgram();
  gl.attachShader(program, compile(gl, gl.VERTEX_SHADER, VERTEX));
  gl.attachShader(program, compile(gl, gl.FRAGMENT_SHADER, FRAGMENT));
  gl.linkProgram(program);
  const positions = new Float32Array(map.rows * 2);
  const colours = new Float32Array(map.rows * 3);
  for (let row = 0; row < map.rows; row += 1) {
    positions[row * 2] = map.x[row] ?? 0;
    positions[row * 2 + 1] = map.y[row] ?? 0;
    const colour = PALETTE[(map.clusterIds[row] ?? 0) % PALETTE.length] ?? PALETTE[0];
    colours.set(colour, row * 3);
  }
  const attribute = (name: string, data: Float32Array, size: number): void => {
    const buffer = gl.createBuffer();
    gl.bindBuffer(gl.ARRAY_BUFFER, buffer);
    gl.bufferData(gl.ARRAY_BUFFER, data, gl.STATIC_DRAW);
    const at = gl.getAttribLocation(program, name);
    gl.enableVertexAttribArray(at);
    gl.vertexAttribPointer(at, size, gl.FLOAT, false, 0, 0);
  };
  const vertices = gl.createVertexArray();
  gl.bindVertexArray(vertices);
  attribute('position', positions, 2);
  attribute('colour', colours, 3);
  return {
    draw(view, width, height) {
      gl.viewport(0, 0, canvas.width, canvas.height);
      gl.clearColor(0, 0, 0, 0);
      gl.clear(gl.COLOR_BUFFER_BIT);
      gl.enable(gl.BLEND);
      gl.blendFunc(gl.SRC_ALPHA, gl.ONE_MINUS_SRC_ALPHA);
      gl.useProgram(program);
      gl.uniform2f(gl.getUniformLocation(program, 'size'), width, height);
      gl.uniform3f(gl.getUniformLocation(program, 'view'), view.scale, view.x, view.y);
      gl.uniform1f(gl.getUniformLocation(program, 'pointSize'), 4 * dpr);
      gl.bindVertexArray(vertices);
      gl.drawArrays(gl.POINTS, 0, map.rows);
    },
  };
}

/** The row nearest the CSS pixel (px, py), within HOVER_PX; -1 where none is. */
function rowAt(map: ExploreMap, view: View, px: number, py: number): number {
  let best = -1;
  let bestDistance = HOVER_PX * HOVER_PX + 1e-6;
  for (let row = 0; row < map.rows; row += 1) {
    const [sx, sy] = toScreen(view, map.x[row] ?? 0, map.y[row] ?? 0);
    const distance = (sx - px) ** 2 + (sy - py) ** 2;
    if (distance < bestDistance) {
      bestDistance = distance;
      best = row;
    }
  }
  return best;
}

/** Whether (x, y) is inside the polygon (even-odd rule). */
function inside(polygon: ReadonlyArray<[number, number]>, x: number, y: number): boolean {
  let within = false;
  for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i, i += 1) {
    const [xi = 0, yi = 0] = polygon[i] ?? [];
    const [xj = 0, yj = 0] = polygon[j] ?? [];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) within = !within;
  }
  return within;
}

/** The rows whose points are inside the lasso. */
function rowsInside(map: ExploreMap, view: View, lasso: ReadonlyArray<[number, number]>): number[] {
  const rows: number[] = [];
  for (let row = 0; row < map.rows; row += 1) {
    const [x, y] = toScreen(view, map.x[row] ?? 0, map.y[row] ?? 0);
    if (inside(lasso, x, y)) rows.push(row);
  }
  return rows;
}

/** Explore's map: every row of the output a point coloured by its cluster, the clusters named where they lie. */
export function MapPanel() {
  const explore = useStudio((state) => state.explore);
  const actions = useActions();
  const { map, mapping, mapError, opened } = explore;
  return (
    <section className="panel map-panel" aria-labelledby="map-heading">
      <h2 id="map-heading">Map</h2>
      <div className="actions">
        <button type="button" onClick={() => void actions.openMap()} disabled={!opened || longWorkRunning(explore)}>
          {map && map.output === opened?.output ? 'Make the map again' : 'Show the map'}
        </button>
        {mapping && (
          <>
            <span className="status" role="status">
              {PHASES[mapping.phase] ?? mapping.phase}:{' '}
              {mapping.total ? Math.floor((mapping.done / mapping.total) * 100) : 0}%
            </span>
            <button type="button" onClick={() => void actions.cancelLongWork()}>
              Cancel
            </button>
          </>
        )}
      </div>
      <ErrorMessage error={mapError} />
      {map && map.output === opened?.output && (
        <>
          <Scatter map={map} />
          <Selection />
        </>
      )}
    </section>
  );
}

function Scatter({ map }: { map: ExploreMap }) {
  const actions = useActions();
  const canvas = useRef<HTMLCanvasElement>(null);
  const scene = useRef<Scene | null>(null);
  const [size, setSize] = useState({ width: 600, height: 420 });
  const fitted = useMemo(() => fitView(map, size.width, size.height), [map, size]);
  // Panned and zoomed from the fitted view; a new map or size starts again from its own.
  const [moved, setMoved] = useState<{ from: View; view: View } | null>(null);
  const view = moved?.from === fitted ? moved.view : fitted;
  const setView = (next: (now: View) => View): void =>
    setMoved((now) => ({ from: fitted, view: next(now?.from === fitted ? now.view : fitted) }));
  const [dragging, setDragging] = useState(false);
  const [hover, setHover] = useState<{ row: number; found: ExploreRow | null } | null>(null);
  const drag = useRef<{ x: number; y: number; view: View; moved: boolean } | null>(null);
  // Shift+drag draws a lasso, in CSS pixels of the canvas.
  const [lasso, setLasso] = useState<Array<[number, number]> | null>(null);
  // The rows read so far (line, chunk, text), of this map, by place.
  const texts = useRef<{ map: ExploreMap; byPlace: Map<number, ExploreRow> } | null>(null);

  useEffect(() => {
    const element = canvas.current;
    if (!element) return;
    const observer = new ResizeObserver(([entry]) => {
      const width = Math.max(100, Math.floor(entry?.contentRect.width ?? 600));
      setSize((now) => (now.width === width ? now : { width, height: Math.round(width * 0.7) }));
    });
    observer.observe(element);
    return () => observer.disconnect();
  }, []);

  useEffect(() => {
    const element = canvas.current;
    if (!element) return;
    const dpr = window.devicePixelRatio || 1;
    element.width = Math.round(size.width * dpr);
    element.height = Math.round(size.height * dpr);
    scene.current = makeScene(element, map);
  }, [map, size]);

  useEffect(() => {
    scene.current?.draw(view, size.width, size.height);
  }, [view, size, map]);

  const labels = useMemo(() => map.clusters.filter((cluster) => cluster.rows > 0 && cluster.label), [map]);

  const pointer = (event: PointerEvent<HTMLCanvasElement>): [number, number] => {
    const box = event.currentTarget.getBoundingClientRect();
    return [event.clientX - box.left, event.clientY - box.top];
  };

  const onPointerMove = (event: PointerEvent<HTMLCanvasElement>): void => {
    const [px, py] = pointer(event);
    if (lasso) {
      setLasso([...lasso, [px, py]]);
      return;
    }
    const dragging = drag.current;
    if (dragging) {
      if (Math.abs(px - dragging.x) + Math.abs(py - dragging.y) > 3) dragging.moved = true;
      setView(() => ({
        ...dragging.view,
        x: dragging.view.x + px - dragging.x,
        y: dragging.view.y + py - dragging.y,
      }));
      return;
    }
    const row = rowAt(map, view, px, py);
    if (row < 0) return setHover(null);
    if (texts.current?.map !== map) texts.current = { map, byPlace: new Map() };
    const byPlace = texts.current.byPlace;
    const known = byPlace.get(row);
    setHover({ row, found: known ?? null });
    if (known === undefined)
      void actions.mapRows([row]).then((rows) => {
        for (const found of rows) byPlace.set(found.place, found);
        setHover((now) => (now?.row === row ? { row, found: byPlace.get(row) ?? null } : now));
      });
  };

  const onWheel = (event: WheelEvent<HTMLCanvasElement>): void => {
    const box = event.currentTarget.getBoundingClientRect();
    const px = event.clientX - box.left;
    const py = event.clientY - box.top;
    const factor = Math.exp(-event.deltaY / 500);
    // The map point under the cursor stays under it.
    setView((now) => ({ scale: now.scale * factor, x: px - (px - now.x) * factor, y: py - (py - now.y) * factor }));
  };

  const hovered = hover ? toScreen(view, map.x[hover.row] ?? 0, map.y[hover.row] ?? 0) : null;
  const first = map.rows ? toScreen(view, map.x[0] ?? 0, map.y[0] ?? 0) : null;
  return (
    <div className="map">
      <p className="note">
        {formatCount(map.rows)} rows in {formatCount(map.clusters.length)} clusters. Drag to pan, scroll to zoom, point
        at a dot to read its line.
      </p>
      <div style={{ position: 'relative' }}>
        <canvas
          ref={canvas}
          role="img"
          aria-label={`Map of ${formatCount(map.rows)} rows`}
          data-points={map.rows}
          data-first-point={first ? `${first[0].toFixed(1)},${first[1].toFixed(1)}` : undefined}
          style={{
            width: '100%',
            height: size.height,
            display: 'block',
            cursor: dragging ? 'grabbing' : 'crosshair',
          }}
          onPointerDown={(event) => {
            const [x, y] = pointer(event);
            event.currentTarget.setPointerCapture(event.pointerId);
            if (event.shiftKey) return setLasso([[x, y]]);
            drag.current = { x, y, view, moved: false };
            setDragging(true);
          }}
          onPointerUp={(event) => {
            if (lasso) {
              actions.selectLines([...new Set(rowsInside(map, view, lasso).map((row) => map.lines[row] ?? 0))]);
              setLasso(null);
              return;
            }
            const clicked = drag.current && !drag.current.moved;
            drag.current = null;
            setDragging(false);
            if (!clicked) return;
            const [px, py] = pointer(event);
            const row = rowAt(map, view, px, py);
            if (row >= 0) void actions.showNeighbours(row);
          }}
          onPointerLeave={() => setHover(null)}
          onPointerMove={onPointerMove}
          onWheel={onWheel}
        />
        {labels.map((cluster) => {
          const [x, y] = toScreen(view, cluster.x, cluster.y);
          if (x < 0 || y < 0 || x > size.width || y > size.height) return null;
          return (
            <span key={cluster.id} className="map-label" style={{ left: x, top: y }}>
              {cluster.label}
            </span>
          );
        })}
        {lasso && (
          <svg className="map-lasso" width={size.width} height={size.height}>
            <polygon points={lasso.map(([x, y]) => `${x},${y}`).join(' ')} />
          </svg>
        )}
        {hover && hovered && (
          <div role="tooltip" className="map-tooltip" style={{ left: hovered[0] + 8, top: hovered[1] + 8 }}>
            <strong>{capitalized(hover.found ? rowLabel(hover.found) : `line ${map.lines[hover.row] ?? 0}`)}</strong>{' '}
            {hover.found?.text ?? '…'}
          </div>
        )}
      </div>
    </div>
  );
}

/** The lines the lasso holds, and where to write them. */
function Selection() {
  const { selection, exportPath, exported } = useStudio((state) => state.explore);
  const host = useStudio((state) => state.host);
  const actions = useActions();
  if (!selection.length)
    return <p className="note">Shift+drag draws a lasso around lines to export; click a point for its neighbours.</p>;
  return (
    <div className="map-selection">
      <p role="status">{formatCount(selection.length)} lines selected.</p>
      {host !== 'electron' && (
        <PathField
          id="map-export"
          label="Lines file"
          value={exportPath}
          placeholder="/path/to/lines.txt"
          error={null}
          onChange={actions.setExportPath}
        />
      )}
      <div className="actions">
        <button type="button" onClick={() => void actions.exportSelection()}>
          Export lines
        </button>
        {exported && <span className="status">Written to {exported}</span>}
      </div>
    </div>
  );
}

function capitalized(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
