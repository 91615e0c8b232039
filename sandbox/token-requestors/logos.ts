// Logo artwork (SVG and PNG) that the simulated MDES asset endpoint serves for each simulated token requestor.
import { Buffer } from 'node:buffer';
import { PNG } from 'pngjs';

export interface LogoSpec {
  /** 1-2 uppercase letters A-Z. */
  initials: string;
  /** '#rrggbb'. */
  colour: string;
}

export interface MediaContent {
  type: 'image/svg+xml' | 'image/png';
  /** Base64 of the image bytes. */
  data: string;
  width: number;
  height: number;
}

type Point = readonly [number, number];
type Stroke = readonly Point[];

interface Glyph {
  width: number;
  strokes: readonly Stroke[];
}

const size = 192;
// The mark sits inside a margin so that wallets which crop to a circle or mask corners still show all of it.
const mark = { inset: 16, radius: 40 };
const capHeightOne = 84;
const capHeightTwo = 64;
const maxTextWidth = 112;
// In glyph units (cap height is 6): thick enough to survive downscaling to a wallet's 40px card-art row.
const strokeUnits = 0.9;
const gapUnits = 1.6;

/** Points along an ellipse, y pointing down, angles in degrees; rounded so the SVG and PNG share exact geometry. */
function arc(cx: number, cy: number, rx: number, ry: number, from: number, to: number): Point[] {
  const steps = Math.max(2, Math.ceil(Math.abs(to - from) / 10));
  const points: Point[] = [];
  for (let i = 0; i <= steps; i++) {
    const theta = ((from + ((to - from) * i) / steps) * Math.PI) / 180;
    points.push([round(cx + rx * Math.cos(theta)), round(cy + ry * Math.sin(theta))]);
  }
  return points;
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}

// A single-line stroke font on a 6-unit cap height, y down: the same strokes feed the SVG paths and the PNG
// rasteriser, so both formats show the same letters without relying on any installed font.
const glyphs: Record<string, Glyph> = {
  A: {
    width: 4,
    strokes: [
      [
        [0, 6],
        [2, 0],
        [4, 6],
      ],
      [
        [0.67, 4],
        [3.33, 4],
      ],
    ],
  },
  B: {
    width: 4,
    strokes: [
      [[0, 3], [0, 0], ...arc(2.3, 1.5, 1.5, 1.5, -90, 90), [0, 3]],
      [[0, 3], ...arc(2.5, 4.5, 1.5, 1.5, -90, 90), [0, 6], [0, 3]],
    ],
  },
  C: { width: 4, strokes: [arc(2, 3, 2, 3, -40, -320)] },
  D: { width: 4, strokes: [[[0, 0], ...arc(1.8, 3, 2.2, 3, -90, 90), [0, 6], [0, 0]]] },
  E: {
    width: 3.6,
    strokes: [
      [
        [3.6, 0],
        [0, 0],
        [0, 6],
        [3.6, 6],
      ],
      [
        [0, 3],
        [2.8, 3],
      ],
    ],
  },
  F: {
    width: 3.6,
    strokes: [
      [
        [3.6, 0],
        [0, 0],
        [0, 6],
      ],
      [
        [0, 3],
        [2.8, 3],
      ],
    ],
  },
  G: { width: 4, strokes: [[...arc(2, 3, 2, 3, -40, -360), [2.2, 3]]] },
  H: {
    width: 4,
    strokes: [
      [
        [0, 0],
        [0, 6],
      ],
      [
        [4, 0],
        [4, 6],
      ],
      [
        [0, 3],
        [4, 3],
      ],
    ],
  },
  // Serifed so that it does not read as a lowercase l or the digit 1.
  I: {
    width: 2,
    strokes: [
      [
        [1, 0],
        [1, 6],
      ],
      [
        [0, 0],
        [2, 0],
      ],
      [
        [0, 6],
        [2, 6],
      ],
    ],
  },
  J: { width: 4, strokes: [[[4, 0], ...arc(2, 4.2, 2, 1.8, 0, 180)]] },
  K: {
    width: 4,
    strokes: [
      [
        [0, 0],
        [0, 6],
      ],
      [
        [4, 0],
        [0, 4],
      ],
      [
        [1.4, 2.6],
        [4, 6],
      ],
    ],
  },
  L: {
    width: 3.6,
    strokes: [
      [
        [0, 0],
        [0, 6],
        [3.6, 6],
      ],
    ],
  },
  M: {
    width: 5,
    strokes: [
      [
        [0, 6],
        [0, 0],
        [2.5, 4],
        [5, 0],
        [5, 6],
      ],
    ],
  },
  N: {
    width: 4,
    strokes: [
      [
        [0, 6],
        [0, 0],
        [4, 6],
        [4, 0],
      ],
    ],
  },
  O: { width: 4, strokes: [arc(2, 3, 2, 3, 0, 360)] },
  P: { width: 4, strokes: [[[0, 6], [0, 0], ...arc(2.4, 1.65, 1.6, 1.65, -90, 90), [0, 3.3]]] },
  Q: {
    width: 4,
    strokes: [
      arc(2, 3, 2, 3, 0, 360),
      [
        [2.6, 4.4],
        [4.1, 6.2],
      ],
    ],
  },
  R: {
    width: 4,
    strokes: [
      [[0, 6], [0, 0], ...arc(2.4, 1.65, 1.6, 1.65, -90, 90), [0, 3.3]],
      [
        [2.2, 3.3],
        [4, 6],
      ],
    ],
  },
  S: { width: 4, strokes: [[...arc(2, 1.5, 1.9, 1.5, -30, -270), ...arc(2, 4.5, 2, 1.5, -90, 150).slice(1)]] },
  T: {
    width: 4,
    strokes: [
      [
        [0, 0],
        [4, 0],
      ],
      [
        [2, 0],
        [2, 6],
      ],
    ],
  },
  U: { width: 4, strokes: [[[0, 0], ...arc(2, 4, 2, 2, 180, 0), [4, 0]]] },
  V: {
    width: 4,
    strokes: [
      [
        [0, 0],
        [2, 6],
        [4, 0],
      ],
    ],
  },
  W: {
    width: 5,
    strokes: [
      [
        [0, 0],
        [1.3, 6],
        [2.5, 1.6],
        [3.7, 6],
        [5, 0],
      ],
    ],
  },
  X: {
    width: 4,
    strokes: [
      [
        [0, 0],
        [4, 6],
      ],
      [
        [4, 0],
        [0, 6],
      ],
    ],
  },
  Y: {
    width: 4,
    strokes: [
      [
        [0, 0],
        [2, 3],
        [4, 0],
      ],
      [
        [2, 3],
        [2, 6],
      ],
    ],
  },
  Z: {
    width: 4,
    strokes: [
      [
        [0, 0],
        [4, 0],
        [0, 6],
        [4, 6],
      ],
    ],
  },
};

interface Layout {
  colour: string;
  rgb: readonly [number, number, number];
  initials: string;
  /** Strokes in pixel coordinates of the 192x192 canvas. */
  strokes: Stroke[];
  strokeWidth: number;
}

/** Validates the spec and places the initials, centred in the mark; shared by both renderers. */
function layout(spec: LogoSpec): Layout {
  if (!/^[A-Z]{1,2}$/.test(spec.initials)) {
    throw new RangeError(`logo initials must be 1-2 letters A-Z, got ${JSON.stringify(spec.initials)}`);
  }
  if (!/^#[0-9a-fA-F]{6}$/.test(spec.colour)) {
    throw new RangeError(`logo colour must be #rrggbb, got ${JSON.stringify(spec.colour)}`);
  }
  const colour = spec.colour.toLowerCase();
  const rgb = [1, 3, 5].map((at) => parseInt(colour.slice(at, at + 2), 16)) as [number, number, number];
  const letters = [...spec.initials].map((letter) => {
    const glyph = glyphs[letter];
    if (!glyph) throw new RangeError(`no glyph for ${letter}`);
    return glyph;
  });
  const textUnits = letters.reduce((sum, glyph) => sum + glyph.width, 0) + gapUnits * (letters.length - 1);
  const capHeight = letters.length === 1 ? capHeightOne : capHeightTwo;
  // Wide pairs such as MW shrink rather than crowd the edge of the mark.
  const unit = Math.min(capHeight / 6, maxTextWidth / (textUnits + strokeUnits));
  const left = size / 2 - (textUnits * unit) / 2;
  const top = size / 2 - (6 * unit) / 2;
  const strokes: Stroke[] = [];
  let cursor = 0;
  for (const glyph of letters) {
    for (const stroke of glyph.strokes) {
      strokes.push(stroke.map(([x, y]) => [round(left + (cursor + x) * unit), round(top + y * unit)] as const));
    }
    cursor += glyph.width + gapUnits;
  }
  return { colour, rgb, initials: spec.initials, strokes, strokeWidth: round(strokeUnits * unit) };
}

export function logoSvg(spec: LogoSpec): string {
  const { colour, initials, strokes, strokeWidth } = layout(spec);
  const d = strokes.map((stroke) => stroke.map(([x, y], i) => `${i === 0 ? 'M' : 'L'}${x} ${y}`).join(' ')).join(' ');
  const span = size - 2 * mark.inset;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}" viewBox="0 0 ${size} ${size}" role="img">`,
    `  <title>${initials}</title>`,
    `  <rect width="${size}" height="${size}" fill="#ffffff"/>`,
    `  <rect x="${mark.inset}" y="${mark.inset}" width="${span}" height="${span}" rx="${mark.radius}" fill="${colour}"/>`,
    `  <path d="${d}" fill="none" stroke="#ffffff" stroke-width="${strokeWidth}" stroke-linecap="round" stroke-linejoin="round"/>`,
    '</svg>',
    '',
  ].join('\n');
}

/** Signed distance from (px, py) to the mark's rounded square: negative inside. */
function markDistance(px: number, py: number): number {
  const half = size / 2 - mark.inset - mark.radius;
  const qx = Math.abs(px - size / 2) - half;
  const qy = Math.abs(py - size / 2) - half;
  return Math.hypot(Math.max(qx, 0), Math.max(qy, 0)) + Math.min(Math.max(qx, qy), 0) - mark.radius;
}

function segmentDistance(px: number, py: number, [ax, ay]: Point, [bx, by]: Point): number {
  const dx = bx - ax;
  const dy = by - ay;
  const length2 = dx * dx + dy * dy;
  const t = length2 === 0 ? 0 : Math.min(1, Math.max(0, ((px - ax) * dx + (py - ay) * dy) / length2));
  return Math.hypot(px - (ax + t * dx), py - (ay + t * dy));
}

function clamp01(value: number): number {
  return Math.min(1, Math.max(0, value));
}

export function logoPng(spec: LogoSpec): Buffer {
  const { rgb, strokes, strokeWidth } = layout(spec);
  const segments: [Point, Point][] = strokes.flatMap((stroke) =>
    stroke.slice(1).map((point, i) => [stroke[i] as Point, point] as [Point, Point]),
  );
  const half = strokeWidth / 2;
  const png = new PNG({ width: size, height: size });
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const px = x + 0.5;
      const py = y + 0.5;
      // Coverage from a one-pixel ramp across each edge: cheap anti-aliasing that stays deterministic.
      const markCoverage = clamp01(0.5 - markDistance(px, py));
      let nearest = Infinity;
      if (markCoverage > 0) {
        for (const [a, b] of segments) nearest = Math.min(nearest, segmentDistance(px, py, a, b));
      }
      const inkCoverage = markCoverage * clamp01(half + 0.5 - nearest);
      const offset = (y * size + x) * 4;
      for (let channel = 0; channel < 3; channel++) {
        const marked = 255 + ((rgb[channel] ?? 255) - 255) * markCoverage;
        png.data[offset + channel] = Math.round(marked + (255 - marked) * inkCoverage);
      }
      png.data[offset + 3] = 255;
    }
  }
  // Truecolour without alpha: the logo is an opaque square, which is what card-art consumers expect.
  return PNG.sync.write(png, { colorType: 2 });
}

export function logoMediaContents(spec: LogoSpec): MediaContent[] {
  return [
    { type: 'image/svg+xml', data: Buffer.from(logoSvg(spec), 'utf8').toString('base64'), width: size, height: size },
    { type: 'image/png', data: logoPng(spec).toString('base64'), width: size, height: size },
  ];
}
