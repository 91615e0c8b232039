// "Add to Apple Wallet", "Add to Google Pay", "Add to Samsung Pay" on the issuer's page (web push
// provisioning): the button opens the wallet's web window, which posts back the session it opened; the page
// asks the bank to push the chosen card on file for that session (with the app session's assertion the bank
// makes for a signed-in customer; the demo bank's comes from its development endpoint), then hands the
// window the envelope (Apple Pay, Samsung Pay) or tells it the bank's server notified the wallet (Google
// Pay). The window adds the card and says so; the page follows the enrollment to its end.

const buttonText = {
  APPLE_PAY: 'Add to Apple Wallet',
  GOOGLE_PAY: 'Add to Google Pay',
  SAMSUNG_PAY: 'Add to Samsung Pay',
};

/**
 * @param {object} page what the page lends: `api(method, path, body)`, `say(text, kind)`, `chosenCards()`,
 *   `customer()`, and `settled(view)` once the enrollment has ended.
 */
export async function showWalletButtons(page) {
  const holder = document.getElementById('wallet-buttons');
  const wallets = await page.api('GET', '/v1/wallets').then(
    (answer) => answer.wallets,
    () => [],
  );
  const offered = wallets.filter((wallet) => wallet.webPush);
  holder.hidden = offered.length === 0;
  document.getElementById('wallet-button-list').replaceChildren(
    ...offered.map((wallet) => {
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'secondary';
      button.textContent = buttonText[wallet.wallet] ?? `Add to ${wallet.name}`;
      button.addEventListener('click', () => addToWallet(page, wallet));
      return button;
    }),
  );
}

function addToWallet(page, wallet) {
  const chosen = page.chosenCards().filter((input) => !input.dataset.capture);
  if (chosen.length !== 1) {
    page.say(`Choose one of your cards on file to add to ${wallet.name}.`, 'error');
    return;
  }
  const cardId = chosen[0].value;
  const windowOrigin = new URL(wallet.webPush.windowUrl).origin;
  const url = new URL(wallet.webPush.windowUrl);
  url.searchParams.set('origin', location.origin);
  // Opened in the click itself, so that the browser lets it open.
  const opened = window.open(url.href, `wallet-${wallet.wallet}`, 'popup,width=440,height=600');
  if (!opened) {
    page.say(`Your browser blocked ${wallet.name}'s window: allow pop-ups for this page.`, 'error');
    return;
  }
  page.say(`Continue in ${wallet.name}'s window.`);
  const listener = (event) => {
    if (event.origin !== windowOrigin || event.source !== opened || event.data?.source !== 'pushprov-wallet') return;
    if (event.data.type === 'session') void push(page, wallet, cardId, opened, windowOrigin, event.data.session);
    if (event.data.type === 'result') {
      window.removeEventListener('message', listener);
      void follow(page, wallet, event.data.status);
    }
  };
  window.addEventListener('message', listener);
}

let pushed;
const ended = ['COMPLETED', 'PARTIALLY_COMPLETED', 'EXPIRED', 'DECLINED', 'FAILED', 'CANCELLED'];

async function push(page, wallet, cardId, opened, windowOrigin, walletSession) {
  const tell = (message) => opened.postMessage({ source: 'pushprov-bank', ...message }, windowOrigin);
  try {
    const { assertion } = await page.api('POST', '/dev/session-assertions', { customerId: page.customer() });
    const answer = await page.api('POST', `/v1/cards/${cardId}/web-push-provisioning`, {
      wallet: wallet.wallet,
      sessionAssertion: assertion,
      session: walletSession,
    });
    pushed = answer.enrollmentId;
    if (answer.web.method === 'ENVELOPE') tell({ type: 'envelope', envelope: answer.web.envelope });
    else tell({ type: 'notified' });
  } catch (error) {
    tell({ type: 'failed', detail: error.message });
    page.say(error.message, 'error');
  }
}

async function follow(page, wallet, status) {
  if (status === 'REFUSED' || status === 'DECLINED') {
    page.say(`${wallet.name} could not add your card.`, 'error');
    return;
  }
  page.say(`Waiting for ${wallet.name} to finish…`);
  for (let attempt = 0; attempt < 60; attempt += 1) {
    const view = await page.api('GET', `/v1/enrollments/${pushed}`);
    if (ended.includes(view.status)) {
      return page.settled(view, wallet.name);
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  page.say(`${wallet.name} is still adding your card; it will show below when it is done.`);
}
