// The per-epoch curves of a sweep's trials, read from each trial's job event stream (the same
// stream a job's page draws from; a finished job's replays its whole history, then ends). A
// browser holds only six connections to one server, and the sweep's own stream takes one: so at
// most `streamsAtOnce` trials are read at a time, running trials first, the others once they
// have ended. It draws nothing: it calls `changed` with the curves.
import { eventsUrl } from './api.js';

const streamsAtOnce = 3;
const endTypes = ['done', 'failed', 'cancelled', 'pruned'];
const ended = new Set(['succeeded', 'failed', 'cancelled', 'pruned']);

export function trialCurves(metric, changed) {
  const curves = new Map(); // index → {index, epochs, values, pruned, state: reading|read}
  const open = new Map(); // index → EventSource
  let trials = [];
  let closed = false;

  function read(trial) {
    const curve = { index: trial.index, epochs: [], values: [], pruned: false, state: 'reading' };
    curves.set(trial.index, curve);
    const source = new EventSource(eventsUrl(trial.jobId));
    open.set(trial.index, source);
    const finish = () => {
      source.close();
      open.delete(trial.index);
      curve.state = 'read';
      changed(list());
      next();
    };
    source.addEventListener('epoch', (event) => {
      const report = JSON.parse(event.data);
      // a resumed job may repeat an epoch from its checkpoint: the later report wins
      const at = curve.epochs.indexOf(report.epoch);
      const value = typeof report[metric] === 'number' ? report[metric] : null;
      if (at >= 0) {
        curve.epochs.length = at;
        curve.values.length = at;
      }
      if (value !== null) {
        curve.epochs.push(report.epoch);
        curve.values.push(value);
      }
      changed(list());
    });
    source.addEventListener('pruned', () => {
      curve.pruned = true;
    });
    for (const type of endTypes) source.addEventListener(type, finish);
    // refused (the job is gone) or finished with nothing left to send (204): closed for good
    source.addEventListener('error', () => {
      if (source.readyState === EventSource.CLOSED) finish();
    });
  }

  // Opens streams for the trials that have a curve to read, up to streamsAtOnce.
  function next() {
    if (closed) return;
    const unread = (t) => !curves.has(t.index);
    const waiting = [
      ...trials.filter((t) => t.status === 'running' && unread(t)),
      ...trials.filter((t) => ended.has(t.status) && t.epochs > 0 && unread(t)),
    ];
    for (const trial of waiting) {
      if (open.size >= streamsAtOnce) return;
      read(trial);
    }
  }

  function list() {
    return [...curves.values()].sort((a, b) => a.index - b.index);
  }

  return {
    /** The sweep's trials as they are now ({index, jobId, status, epochs}). */
    update(next_) {
      trials = next_;
      for (const t of trials) {
        const curve = curves.get(t.index);
        if (curve && t.status === 'pruned') curve.pruned = true;
      }
      next();
    },
    /** How many trials' curves have been read to their end. */
    get read() {
      return list().filter((c) => c.state === 'read').length;
    },
    close() {
      closed = true;
      for (const source of open.values()) source.close();
      open.clear();
    },
  };
}
