import { Resvg } from '@resvg/resvg-js';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

/**
 * Render a Vega-Lite spec to SVG in Node: compile to Vega, then a headless view (`renderer:
 * 'none'`). The SVG is self-contained (no fonts or images are fetched).
 */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/**
 * Rasterise an SVG chart to PNG at twice its size with resvg. Text is drawn with the system's
 * fonts (DejaVu Sans here); on a machine without any installed font resvg draws no text, so the
 * PNG keeps its lines and axes but loses its labels. The SVG in report.html is not affected.
 */
export function svgToPng(svg: string): Buffer {
  const resvg = new Resvg(svg, {
    background: 'white',
    fitTo: { mode: 'zoom', value: 2 },
    font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans', sansSerifFamily: 'DejaVu Sans' },
  });
  return resvg.render().asPng();
}
