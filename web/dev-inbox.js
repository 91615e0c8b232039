// The demo inbox: the one-time codes the development notification channel "sent" to the signed-in customer.
const list = document.getElementById('messages');

// The inbox stands for the customer's phone: it is opened for one demo customer, named in its address.
const customer = new URLSearchParams(location.search).get('customer');

async function refresh() {
  if (!customer) {
    list.innerHTML = '<li>Open this inbox from the bank page.</li>';
    return;
  }
  const response = await fetch(`/dev/inbox?customer=${encodeURIComponent(customer)}`);
  if (!response.ok) return;
  const { messages } = await response.json();
  list.replaceChildren(
    ...messages.map((message) => {
      const item = document.createElement('li');
      item.className = 'message';
      item.textContent = message.message;
      const time = document.createElement('small');
      time.textContent = ` (${new Date(message.sentAt).toLocaleTimeString()})`;
      item.append(time);
      return item;
    }),
  );
}

void refresh();
setInterval(() => void refresh(), 2000);
