// A simulated wallet's web window (routes.ts): opens a session for this browser, posts it to the issuer's
// page that opened it (only to the origin that page named), takes the issuer's envelope from that page (Apple
// Pay, Samsung Pay) or waits for the issuer's server to notify the wallet (Google Pay), and adds the card
// when the cardholder says so, telling the page the outcome.
(() => {
  const root = document.getElementById('wallet');
  const status = document.getElementById('status');
  const add = document.getElementById('add');
  const { wallet, method, brand } = root.dataset;
  const params = new URLSearchParams(location.search);
  const origin = (() => {
    try {
      const named = new URL(params.get('origin') ?? '');
      return /^https?:$/.test(named.protocol) && named.origin === params.get('origin') ? named.origin : undefined;
    } catch {
      return undefined;
    }
  })();
  const opener = window.opener;
  let session;
  let envelope;

  const say = (text) => {
    status.textContent = text;
  };
  const tell = (message) => opener.postMessage({ source: 'pushprov-wallet', wallet, ...message }, origin);
  const call = async (path, body) => {
    const response = await fetch(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body ?? {}),
    });
    return { status: response.status, body: await response.json() };
  };
  const displayOf = (jws) => {
    try {
      const base64 = jws.payload.replace(/-/g, '+').replace(/_/g, '/');
      const bytes = Uint8Array.from(atob(base64), (character) => character.charCodeAt(0));
      return JSON.parse(new TextDecoder().decode(bytes)).displayName;
    } catch {
      return 'your card';
    }
  };
  const offer = (display) => {
    say(`Add ${display} to ${brand}?`);
    add.hidden = false;
    add.focus();
  };

  async function openSession() {
    const opened = await call(
      `/wallets/${wallet}/web/sessions`,
      params.has('browser') ? { browser: params.get('browser') } : {},
    );
    if (opened.status !== 201) {
      say(`${brand} could not open a session: ${opened.body.detail}`);
      return;
    }
    session = opened.body;
    say(`Signed in to ${brand}. Waiting for your bank…`);
    tell({
      type: 'session',
      session: { sessionId: session.sessionId, walletAccountId: session.walletAccountId, deviceId: session.deviceId },
    });
  }

  window.addEventListener('message', (event) => {
    const data = event.data;
    if (event.origin !== origin || event.source !== opener || data?.source !== 'pushprov-bank' || !session) return;
    if (data.type === 'envelope' && method === 'ENVELOPE') {
      envelope = data.envelope;
      offer(displayOf(envelope.jws));
    } else if (data.type === 'notified' && method === 'NOTIFIED') {
      offer('the card your bank sent');
    } else if (data.type === 'failed') {
      say(`Your bank could not send the card: ${data.detail}`);
    }
  });

  add.addEventListener('click', async () => {
    add.disabled = true;
    say('Adding your card…');
    const path = `/wallets/${wallet}/web/sessions/${session.sessionId}/${method === 'ENVELOPE' ? 'envelope' : 'confirm'}`;
    const answer = await call(path, method === 'ENVELOPE' ? envelope : {});
    add.hidden = true;
    const outcome = answer.status >= 400 ? 'REFUSED' : answer.body.status;
    const said = {
      ACTIVE: `Your card is in ${brand}.`,
      PENDING_ACTIVATION: `Your card is in ${brand}. Activate it with your bank before you pay with it.`,
      PENDING: `${brand} is still adding your card.`,
      DECLINED: `${brand} could not add your card: ${answer.body.reason ?? 'declined'}.`,
      REFUSED: `${brand} could not add your card: ${answer.body.detail}`,
    };
    say(said[outcome] ?? `${brand} answered ${outcome}.`);
    tell({ type: 'result', status: outcome });
  });

  if (!opener || !origin) say("Open this window from your bank's page.");
  else void openSession();
})();
