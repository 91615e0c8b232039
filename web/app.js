// The issuer's web page: sign in, pick cards (on file, typed, or photographed), pick a wallet or shop,
// enter the one-time code, go to the token requestor, come back to the result. Plain JavaScript against
// the issuer API; the session lives in sessionStorage for the round trip to the token requestor.

import { showWalletButtons } from './wallet-buttons.js';

const session = {
  get token() {
    return sessionStorage.getItem('token');
  },
  get customer() {
    return sessionStorage.getItem('customer');
  },
  get enrollment() {
    return sessionStorage.getItem('enrollment');
  },
  set(key, value) {
    if (value === undefined) sessionStorage.removeItem(key);
    else sessionStorage.setItem(key, value);
  },
};

const names = { ada: 'Ada Lovelace', grace: 'Grace Hopper' };
const $ = (id) => document.getElementById(id);
const sections = ['sign-in', 'cards', 'requestors', 'confirm', 'code', 'result'];
let requestorNames = {};
/** Cards staged by typing or a picture, waiting to be enrolled. */
let stagedCards = [];

function show(section) {
  for (const name of sections) $(`${name}-section`).hidden = name !== section;
  const heading = $(`${section}-section`).querySelector('h1');
  if (heading) {
    heading.tabIndex = -1;
    heading.focus();
  }
}

function say(text, kind = 'info') {
  const message = $('message');
  message.hidden = !text;
  message.textContent = text ?? '';
  message.className = kind;
}

async function api(method, path, body, headers = {}) {
  const response = await fetch(path, {
    method,
    headers: {
      ...(session.token && { authorization: `Bearer ${session.token}` }),
      ...(body !== undefined && { 'content-type': 'application/json' }),
      ...headers,
    },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const data = response.headers.get('content-type')?.includes('json') ? await response.json() : undefined;
  if (!response.ok) {
    const error = new Error(data?.detail ?? data?.title ?? `The bank answered ${response.status}`);
    error.status = response.status;
    throw error;
  }
  return data;
}

async function signIn(customer) {
  const { token } = await api('POST', '/dev/customer-tokens', { customerId: customer });
  session.set('token', token);
  session.set('customer', customer);
  await showCards();
}

function signedIn() {
  $('signed-in').hidden = !session.customer;
  $('customer-name').textContent = names[session.customer] ?? session.customer ?? '';
}

async function showCards() {
  signedIn();
  say();
  const { cards } = await api('GET', '/v1/cards');
  const list = $('cards');
  list.replaceChildren(
    ...[...cards, ...stagedCards].map((card) => {
      const item = document.createElement('li');
      const id = `card-${card.id}`;
      item.innerHTML = `<input type="checkbox" name="card" id="${id}"><label for="${id}" class="card ${card.network.toLowerCase()}"></label>`;
      const input = item.querySelector('input');
      input.value = card.id;
      input.dataset.capture = card.captureMethod ?? '';
      input.dataset.network = card.network;
      const label = item.querySelector('label');
      const brand = { VISA: 'Visa', MASTERCARD: 'Mastercard' }[card.network] ?? 'Card';
      label.textContent =
        card.captureMethod === 'ocr' ? 'Card from your picture' : `${brand} •••• ${card.maskedPan.slice(-4)}`;
      const detail = document.createElement('span');
      detail.className = 'expiry';
      detail.textContent = card.expiry
        ? `expires ${card.expiry}`
        : card.captureMethod === 'ocr'
          ? 'read from your picture'
          : 'typed';
      label.append(detail);
      return item;
    }),
  );
  show('cards');
  await Promise.all([showTokens(), showWalletButtons(walletPage)]);
}

/** What the wallet buttons (wallet-buttons.js) borrow of this page. */
const walletPage = {
  api,
  say,
  chosenCards,
  customer: () => session.customer,
  settled(view, walletName) {
    sessionStorage.setItem('requestorName', walletName);
    return showResult(view);
  },
};

function chosenCards() {
  return [...document.querySelectorAll('input[name="card"]:checked')];
}

async function chooseRequestor(event) {
  event.preventDefault();
  const cards = chosenCards();
  if (cards.length === 0) return say('Choose at least one card.', 'error');
  if (new Set(cards.map((card) => card.dataset.network).filter((network) => network !== 'UNKNOWN')).size > 1) {
    return say('Choose cards of one network at a time: Mastercard or Visa.', 'error');
  }
  const onFile = cards.find((card) => !card.dataset.capture);
  let requestors;
  if (onFile) {
    ({ tokenRequestors: requestors } = await api('GET', `/v1/cards/${onFile.value}/token-requestors?pushMethod=WEB`));
  } else {
    // Cards not in the vault yet: the wallets and shops of their network (of both, for a picture).
    const networks = [...new Set(cards.map((card) => card.dataset.network))];
    const lists = await Promise.all(
      (networks.includes('UNKNOWN') ? ['MASTERCARD', 'VISA'] : networks).map((network) =>
        api('GET', `/v1/token-requestors?network=${network}&pushMethod=WEB`),
      ),
    );
    requestors = [
      ...new Map(lists.flatMap((list) => list.tokenRequestors).map((requestor) => [requestor.id, requestor])).values(),
    ];
  }
  requestorNames = Object.fromEntries(
    requestors.map((requestor) => [requestor.id, requestor.consumerFacingEntityName ?? requestor.name]),
  );
  const list = $('requestors');
  list.replaceChildren(
    ...requestors.map((requestor, index) => {
      const item = document.createElement('li');
      const id = `requestor-${requestor.id}`;
      item.innerHTML = `<input type="radio" name="requestor" id="${id}"><label for="${id}" class="requestor"><img alt="" width="48" height="48"><span></span><small></small></label>`;
      const input = item.querySelector('input');
      input.value = requestor.id;
      input.checked = index === 0;
      item.querySelector('span').textContent = requestor.name;
      item.querySelector('small').textContent = requestor.type === 'MERCHANT' ? 'Shop' : 'Wallet';
      if (requestor.logo) void logo(requestor.logo.svg).then((url) => (item.querySelector('img').src = url));
      return item;
    }),
  );
  if (requestors.length === 0) return say('No wallet or shop takes this card from the web yet.', 'error');
  show('requestors');
}

/** Logos are behind the API's authentication: fetched with the token, shown from memory. */
async function logo(path) {
  const response = await fetch(path, { headers: { authorization: `Bearer ${session.token}` } });
  return URL.createObjectURL(await response.blob());
}

async function startEnrollment(event) {
  event.preventDefault();
  const tokenRequestorId = document.querySelector('input[name="requestor"]:checked')?.value;
  if (!tokenRequestorId) return say('Choose a wallet or a shop.', 'error');
  const cards = chosenCards().map((card) =>
    card.dataset.capture ? { captureId: card.value, method: card.dataset.capture } : { cardId: card.value },
  );
  session.set('requestorName', requestorNames[tokenRequestorId] ?? 'the wallet');
  try {
    const started = await api(
      'POST',
      '/v1/enrollments',
      { cards, tokenRequestorId, pushMethod: 'WEB', callbackUrl: `${location.origin}/web/` },
      { 'idempotency-key': crypto.randomUUID() },
    );
    session.set('enrollment', started.id);
    stagedCards = [];
    await followEnrollment();
  } catch (error) {
    say(error.message, 'error');
  }
}

async function enrollment() {
  return api('GET', `/v1/enrollments/${session.enrollment}`);
}

/** Waits until the enrollment needs the consumer (or has ended), then shows that step. */
async function followEnrollment() {
  say('One moment…');
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const view = await enrollment();
    if (view.awaitingCaptureConfirmation) {
      say();
      $('read-card').textContent = `•••• ${view.cards[0].maskedPan.slice(-4)}`;
      return show('confirm');
    }
    if (view.status === 'AWAITING_AUTHENTICATION') {
      say();
      $('inbox-link').href = `/web/dev-inbox.html?customer=${encodeURIComponent(session.customer)}`;
      $('code').value = '';
      return show('code');
    }
    if (['COMPLETED', 'PARTIALLY_COMPLETED', 'EXPIRED', 'DECLINED', 'FAILED', 'CANCELLED'].includes(view.status)) {
      return showResult(view);
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  say('The bank is slow to answer. Please try again in a moment.', 'error');
}

async function submitCode(event) {
  event.preventDefault();
  const code = $('code').value.trim();
  if (!/^\d{6}$/.test(code)) return say('The code is 6 digits.', 'error');
  try {
    const outcome = await api('POST', `/v1/enrollments/${session.enrollment}/one-time-code`, { code });
    if (outcome.outcome === 'WRONG_CODE') {
      $('code').value = '';
      return say(
        `That code is not right. You have ${outcome.attemptsLeft} ${outcome.attemptsLeft === 1 ? 'try' : 'tries'} left.`,
        'error',
      );
    }
    if (outcome.redirect) {
      say(`Taking you to ${sessionStorage.getItem('requestorName') ?? 'the wallet'}…`);
      location.assign(outcome.redirect.url);
      return;
    }
    await showResult(await enrollment());
  } catch (error) {
    say(error.message, 'error');
  }
}

const outcomes = {
  COMPLETED: (wallet) => [`Added to ${wallet}`, `Your card is ready to use in ${wallet}.`],
  PARTIALLY_COMPLETED: (wallet) => [
    `Some cards were added to ${wallet}`,
    'The others could not be added; you can try them again.',
  ],
  EXPIRED: () => ['The time to add your card ran out', 'You did not finish in time. You can try once more.'],
  DECLINED: () => [
    'Your card could not be added',
    'The network or the wallet declined it. Try another card or another wallet.',
  ],
  FAILED: () => ['Your card could not be added', 'Please start again.'],
  CANCELLED: () => ['Cancelled', 'Nothing was added.'],
};

async function showResult(view) {
  say();
  const wallet = sessionStorage.getItem('requestorName') ?? 'the wallet';
  const [title, detail] = (outcomes[view.status] ?? (() => ['Adding your card…', 'Waiting for the wallet to finish.']))(
    wallet,
  );
  $('result-title').textContent = title;
  $('result-detail').textContent = view.reason && view.status !== 'COMPLETED' ? `${detail} (${view.reason})` : detail;
  $('fresh-push').hidden = !(view.status === 'EXPIRED' && !view.freshPushUsed);
  show('result');
  await showTokens();
}

/** Back from the token requestor: wait for the network's word, then say how it ended. */
async function returnFromTokenRequestor() {
  signedIn();
  say(`Waiting for ${sessionStorage.getItem('requestorName') ?? 'the wallet'} to finish…`);
  show('result');
  for (let attempt = 0; attempt < 60; attempt += 1) {
    const view = await enrollment();
    if (view.status !== 'AWAITING_TOKEN_REQUESTOR') return showResult(view);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  await showResult(await enrollment());
}

async function showTokens() {
  const { tokens } = await api('GET', '/v1/tokens');
  $('tokens-section').hidden = tokens.length === 0;
  $('tokens').replaceChildren(
    ...tokens.map((token) => {
      const row = document.createElement('tr');
      for (const text of [
        `•••• ${token.card.maskedPan.slice(-4)}`,
        token.tokenRequestorName ?? requestorNames[token.tokenRequestorId] ?? token.tokenRequestorId,
        token.status,
      ]) {
        const cell = document.createElement('td');
        cell.textContent = text;
        row.append(cell);
      }
      return row;
    }),
  );
}

async function stageTypedCard() {
  const [month, year] = $('card-expiry')
    .value.split('/')
    .map((part) => Number(part.trim()));
  try {
    const staged = await api('POST', '/v1/card-captures', {
      method: 'manual',
      card: {
        number: $('card-number').value.replace(/\s+/g, ''),
        expiryMonth: month,
        expiryYear: year < 100 ? 2000 + year : year,
        ...($('card-name').value.trim() && { cardholderName: $('card-name').value.trim() }),
      },
    });
    stagedCards.push({
      id: staged.captureId,
      maskedPan: staged.maskedPan,
      network: staged.network,
      captureMethod: 'manual',
    });
    $('card-number').value = '';
    await showCards();
  } catch (error) {
    say(error.message, 'error');
  }
}

async function stagePicture() {
  const file = $('card-picture').files[0];
  if (!file) return say('Choose a picture of your card first.', 'error');
  const data = await new Promise((resolve) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result).split(',')[1]);
    reader.readAsDataURL(file);
  });
  try {
    const staged = await api('POST', '/v1/card-captures', { method: 'ocr', image: { mediaType: file.type, data } });
    stagedCards.push({ id: staged.captureId, maskedPan: '????', network: 'UNKNOWN', captureMethod: 'ocr' });
    await showCards();
  } catch (error) {
    say(error.message, 'error');
  }
}

async function confirmCapture(confirmed) {
  await api('POST', `/v1/enrollments/${session.enrollment}/capture-confirmation`, { confirmed });
  await followEnrollment();
}

function bind() {
  $('sign-in-form').addEventListener('submit', (event) => {
    event.preventDefault();
    void signIn($('customer').value).catch((error) => say(error.message, 'error'));
  });
  $('sign-out').addEventListener('click', () => {
    sessionStorage.clear();
    signedIn();
    show('sign-in');
  });
  $('cards-form').addEventListener(
    'submit',
    (event) => void chooseRequestor(event).catch((error) => say(error.message, 'error')),
  );
  $('requestors-form').addEventListener('submit', (event) => void startEnrollment(event));
  $('code-form').addEventListener('submit', (event) => void submitCode(event));
  $('resend').addEventListener(
    'click',
    () =>
      void api('POST', `/v1/enrollments/${session.enrollment}/one-time-code/resend`)
        .then(() => say('We sent you a new code.'))
        .catch((error) => say(error.message, 'error')),
  );
  $('fresh-push').addEventListener(
    'click',
    () =>
      void api('POST', `/v1/enrollments/${session.enrollment}/fresh-push`)
        .then((outcome) => (outcome.redirect ? location.assign(outcome.redirect.url) : showResult(outcome)))
        .catch((error) => say(error.message, 'error')),
  );
  $('start-over').addEventListener('click', () => {
    session.set('enrollment', undefined);
    void showCards();
  });
  $('add-typed-card').addEventListener('click', () => void stageTypedCard());
  $('add-picture-card').addEventListener('click', () => void stagePicture());
  $('confirm-yes').addEventListener('click', () => void confirmCapture(true));
  $('confirm-no').addEventListener('click', () => void confirmCapture(false));
  for (const back of document.querySelectorAll('[data-back]'))
    back.addEventListener('click', () => show(back.dataset.back));
}

bind();
if (!session.token) show('sign-in');
else if (session.enrollment && new URLSearchParams(location.search).has('status')) void returnFromTokenRequestor();
else void showCards().catch(() => show('sign-in'));
