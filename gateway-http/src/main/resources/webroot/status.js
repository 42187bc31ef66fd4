// The connection indicator shared by the log and request views: data-state drives its colour
// (app.css) and lets a test wait for "live".
const LABELS = {
  idle: 'idle',
  connecting: 'connecting…',
  live: 'live',
  reconnecting: 'reconnecting…',
  paused: 'paused',
  stopped: 'stopped',
  failed: 'disconnected',
};

export function connState(node, state, detail) {
  node.dataset.state = state;
  node.textContent = (LABELS[state] || state) + (typeof detail === 'string' ? ` (${detail})` : '');
}
