// The key goes to the server once, which keeps it in an HttpOnly cookie; this page never stores it.
const status = document.getElementById('status');
document.getElementById('session').addEventListener('submit', async (e) => {
  e.preventDefault();
  const key = document.getElementById('key');
  const res = await fetch('/codec/session', { method: 'POST', headers: { Authorization: `Bearer ${key.value.trim()}` } });
  key.value = '';
  const body = await res.json().catch(() => ({}));
  status.textContent = res.ok ? 'Session started: the Web UI can decode payloads for eight hours.' : `Refused: ${body.error?.message ?? res.status}`;
});
document.getElementById('end').addEventListener('click', async () => {
  await fetch('/codec/session', { method: 'DELETE' });
  status.textContent = 'Session ended.';
});
