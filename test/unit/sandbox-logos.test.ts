import { Buffer } from 'node:buffer';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { logoMediaContents, logoPng, logoSvg, type LogoSpec } from '../../sandbox/token-requestors/logos.js';

const spec: LogoSpec = { initials: 'GP', colour: '#1a73e8' };
const blue = [0x1a, 0x73, 0xe8];

function pixel(png: PNG, x: number, y: number): number[] {
  const offset = (y * png.width + x) * 4;
  return [...png.data.subarray(offset, offset + 4)];
}

describe('logoPng', () => {
  const png = PNG.sync.read(logoPng(spec));

  it('is a 192x192 image on an opaque white square', () => {
    expect([png.width, png.height]).toEqual([192, 192]);
    for (const [x, y] of [
      [0, 0],
      [191, 0],
      [0, 191],
      [191, 191],
    ] as const) {
      expect(pixel(png, x, y)).toEqual([255, 255, 255, 255]);
    }
  });

  it('fills the mark with the colour and draws white initials inside it', () => {
    let coloured = 0;
    let ink = 0;
    for (let y = 40; y < 152; y++) {
      for (let x = 40; x < 152; x++) {
        const [r, g, b, a] = pixel(png, x, y);
        expect(a).toBe(255);
        if (r === blue[0] && g === blue[1] && b === blue[2]) coloured++;
        if (r === 255 && g === 255 && b === 255) ink++;
      }
    }
    expect(coloured).toBeGreaterThan(112 * 112 * 0.5);
    expect(ink).toBeGreaterThan(500);
    // The mark's edge just inside the inset is colour, not a letter.
    expect(pixel(png, 96, 20).slice(0, 3)).toEqual(blue);
  });

  it('is deterministic and differs between requestors', () => {
    expect(logoPng(spec).equals(logoPng({ ...spec }))).toBe(true);
    expect(logoPng(spec).equals(logoPng({ initials: 'GQ', colour: '#1a73e8' }))).toBe(false);
    expect(logoPng(spec).equals(logoPng({ initials: 'GP', colour: '#d93025' }))).toBe(false);
  });

  it('draws every letter A-Z distinctly', () => {
    const images = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZ'].map((letter) =>
      logoPng({ initials: letter, colour: '#202124' }).toString('base64'),
    );
    expect(new Set(images).size).toBe(26);
  });

  it('refuses a spec it cannot draw', () => {
    expect(() => logoPng({ initials: 'abc', colour: '#1a73e8' })).toThrow(RangeError);
    expect(() => logoPng({ initials: 'GP', colour: 'blue' })).toThrow(RangeError);
  });
});

describe('logoSvg', () => {
  it('is a standalone 192x192 SVG document in the colour, with no external resources', () => {
    const svg = logoSvg({ initials: 'GP', colour: '#1A73E8' });
    expect(svg.startsWith('<svg') || svg.startsWith('<?xml')).toBe(true);
    expect(svg).toContain('viewBox="0 0 192 192"');
    expect(svg).toMatch(/width="192" height="192"/);
    expect(svg).toContain('#1a73e8');
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(svg).not.toMatch(/href|@import|url\(/);
  });
});

describe('logoMediaContents', () => {
  it('returns the SVG then the PNG, base64, 192x192, as MDES mediaContents', () => {
    const [svg, png, ...rest] = logoMediaContents(spec);
    expect(rest).toEqual([]);
    expect(svg).toMatchObject({ type: 'image/svg+xml', width: 192, height: 192 });
    expect(png).toMatchObject({ type: 'image/png', width: 192, height: 192 });
    expect(Buffer.from(svg!.data, 'base64').toString('utf8')).toBe(logoSvg(spec));
    expect(Buffer.from(png!.data, 'base64').equals(logoPng(spec))).toBe(true);
  });
});
