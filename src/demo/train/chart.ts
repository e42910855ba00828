/**
 * The live training chart: an SVG with the running training loss (left axis) and validation HR@10 /
 * NDCG@10 per epoch (right axis), x = epochs. Redrawn from its points on every update; no library.
 */

const NS = 'http://www.w3.org/2000/svg';
const W = 640;
const H = 240;
const PAD = { left: 48, right: 48, top: 16, bottom: 32 };

/** One point of a series. */
export interface ChartPoint {
  x: number;
  y: number;
}

/** The chart's data: loss per step (x = fractional epoch), metrics per validation. */
export interface ChartData {
  loss: ChartPoint[];
  hr: ChartPoint[];
  ndcg: ChartPoint[];
  /** The x-axis end (the run's max epochs). */
  epochs: number;
}

function node<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number>,
  text?: string,
): SVGElementTagNameMap[K] {
  const element = document.createElementNS(NS, tag);
  for (const [key, value] of Object.entries(attrs)) element.setAttribute(key, String(value));
  if (text !== undefined) element.textContent = text;
  return element;
}

/** Creates the chart's SVG element (role img, labelled). */
export function createChart(): SVGSVGElement {
  const svg = node('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', id: 'chart', class: 'train-chart', 'data-points': 0 });
  svg.setAttribute('aria-label', 'Training loss and validation HR@10 and NDCG@10 per epoch');
  return svg;
}

/** Redraws `svg` from `data`. */
export function drawChart(svg: SVGSVGElement, data: ChartData): void {
  svg.replaceChildren();
  const x0 = PAD.left;
  const x1 = W - PAD.right;
  const y0 = H - PAD.bottom;
  const y1 = PAD.top;
  const maxX = Math.max(1, data.epochs);
  const sx = (x: number): number => x0 + ((x1 - x0) * x) / maxX;
  const losses = data.loss.map((p) => p.y).filter(Number.isFinite);
  const lossMin = losses.length ? Math.min(...losses) : 0;
  const lossMax = losses.length ? Math.max(...losses) : 1;
  const lossSpan = lossMax - lossMin || 1;
  const syLoss = (y: number): number => y0 - ((y0 - y1) * (y - lossMin)) / lossSpan;
  const metricMax = Math.max(0.05, ...data.hr.map((p) => p.y), ...data.ndcg.map((p) => p.y)) * 1.1;
  const syMetric = (y: number): number => y0 - ((y0 - y1) * y) / metricMax;

  svg.append(node('line', { x1: x0, y1: y0, x2: x1, y2: y0, class: 'axis' }));
  svg.append(node('line', { x1: x0, y1: y1, x2: x0, y2: y0, class: 'axis' }));
  svg.append(node('line', { x1: x1, y1: y1, x2: x1, y2: y0, class: 'axis' }));
  const ticks = Math.min(maxX, 10);
  for (let i = 0; i <= ticks; i++) {
    const e = Math.round((maxX * i) / ticks);
    svg.append(node('text', { x: sx(e), y: y0 + 16, 'text-anchor': 'middle', class: 'tick' }, String(e)));
  }
  svg.append(node('text', { x: (x0 + x1) / 2, y: H - 2, 'text-anchor': 'middle', class: 'tick' }, 'epoch'));
  svg.append(node('text', { x: x0 - 6, y: y1 + 4, 'text-anchor': 'end', class: 'tick loss' }, lossMax.toFixed(2)));
  svg.append(node('text', { x: x0 - 6, y: y0, 'text-anchor': 'end', class: 'tick loss' }, lossMin.toFixed(2)));
  svg.append(node('text', { x: x1 + 6, y: y1 + 4, class: 'tick' }, metricMax.toFixed(2)));
  svg.append(node('text', { x: x1 + 6, y: y0, class: 'tick' }, '0'));

  const line = (points: ChartPoint[], sy: (y: number) => number, cls: string): void => {
    if (points.length === 0) return;
    svg.append(
      node('polyline', { points: points.map((p) => `${sx(p.x).toFixed(1)},${sy(p.y).toFixed(1)}`).join(' '), class: cls }),
    );
    for (const p of cls === 'loss' ? [] : points) svg.append(node('circle', { cx: sx(p.x), cy: sy(p.y), r: 3, class: cls }));
  };
  line(data.loss, syLoss, 'loss');
  line(data.hr, syMetric, 'hr');
  line(data.ndcg, syMetric, 'ndcg');
  svg.setAttribute('data-points', String(data.loss.length + data.hr.length + data.ndcg.length));
  svg.setAttribute('data-epochs', String(data.hr.length));
}
