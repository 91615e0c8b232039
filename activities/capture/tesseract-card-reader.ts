/**
 * Reads a card number and expiry from a picture of the card with real OCR: tesseract.js, its English
 * model from the @tesseract.js-data/eng package (nothing is downloaded at run time). The text read
 * holds the PAN: it stays in this module, never logged; what leaves is the number the checks accept.
 */
import { createRequire } from 'node:module';
import { createWorker, OEM, PSM, type Worker } from 'tesseract.js';
import { luhnValid, routeCard } from '../../domain/card-number.js';
import type { CardReader } from '../enrollment/capture.js';

const english = createRequire(import.meta.url)('@tesseract.js-data/eng') as { langPath: string; gzip: boolean };

const acceptedMediaTypes = ['image/png', 'image/jpeg'];
export const maxPictureBytes = 5 * 1024 * 1024;

export interface ReadCard {
  pan: string;
  expiryMonth: number;
  expiryYear: number;
  cardholderName?: string;
}

/** The card number, expiry and name found in OCR text, or undefined when no valid card number is there. */
export function parseCardText(text: string, now: Date = new Date()): ReadCard | undefined {
  const pan = [...text.matchAll(/(?:\d[ -]?){11,18}\d/g)]
    .map((match) => match[0].replace(/[ -]/g, ''))
    .find((candidate) => luhnValid(candidate) && routeCard(candidate) !== undefined);
  if (!pan) return undefined;
  // Cards may print VALID FROM and VALID THRU: the latest date that has not passed is the expiry.
  const dates = [...text.matchAll(/\b(0[1-9]|1[0-2])\s*\/\s*(\d{4}|\d{2})\b/g)]
    .map((match) => ({ month: Number(match[1]), year: Number(match[2]!.length === 2 ? `20${match[2]}` : match[2]) }))
    .filter(({ month, year }) => Date.UTC(year, month, 1) > now.getTime())
    .sort((a, b) => b.year - a.year || b.month - a.month);
  const expiry = dates[0];
  if (!expiry) return undefined;
  const name = text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => /^[A-Z][A-Z .'-]{2,25}$/.test(line) && !/\b(VALID|THRU|FROM|GOOD|DEBIT|CREDIT|BANK)\b/.test(line))
    .at(-1);
  return { pan, expiryMonth: expiry.month, expiryYear: expiry.year, ...(name && { cardholderName: name }) };
}

export class TesseractCardReader implements CardReader {
  private worker: Promise<Worker> | undefined;

  async read(image: { mediaType: string; base64: string }): Promise<ReadCard | undefined> {
    if (!acceptedMediaTypes.includes(image.mediaType)) return undefined;
    const bytes = Buffer.from(image.base64, 'base64');
    if (bytes.length === 0 || bytes.length > maxPictureBytes) return undefined;
    const worker = await this.ocr();
    const { data } = await worker.recognize(bytes);
    return parseCardText(data.text);
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    if (worker) await (await worker).terminate();
  }

  /** One OCR worker per process, started on first use (loading the model takes a moment). */
  private ocr(): Promise<Worker> {
    this.worker ??= (async () => {
      const worker = await createWorker('eng', OEM.LSTM_ONLY, {
        langPath: english.langPath,
        gzip: english.gzip,
        cacheMethod: 'none',
      });
      // Card faces are sparse text, not paragraphs.
      await worker.setParameters({ tessedit_pageseg_mode: PSM.SPARSE_TEXT, user_defined_dpi: '300' });
      return worker;
    })();
    return this.worker;
  }
}
