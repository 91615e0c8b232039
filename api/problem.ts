/** RFC 9457 problem details: every 4xx and 5xx of the API has this shape. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
}

export function problem(status: number, title: string, detail?: string): Problem {
  return { type: 'about:blank', title, status, ...(detail && { detail }) };
}
