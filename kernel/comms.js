// Comms (Jupyter messaging 5.3, "Custom messages"): comm_open / comm_msg / comm_close both ways,
// comm_info_request, targets registered by kernel code. The widget protocol (ipywidgets'
// `jupyter.widget` target) runs on top of these, in lib/widgets/.
//
// Kernel code reaches the manager through globalThis[Symbol.for('ganbook.kernel')].comms:
//
//   const { comms } = globalThis[Symbol.for('ganbook.kernel')];
//   comms.registerTarget('echo', (comm, open) => comm.onMsg((data) => comm.send(data)));
//   const c = comms.open('jupyter.widget', { state: {...} }); c.onMsg((data, buffers) => ...);
//
// A front-end's comm_open for a target nobody registered is answered with a comm_close (as
// IPython's kernel does), and noted in the kernel's log, not in a cell.
'use strict';
const crypto = require('crypto');

/** One comm: a two-way channel between kernel code and a front-end object. */
class Comm {
  constructor(manager, id, targetName) {
    this.manager = manager;
    this.id = id;
    this.targetName = targetName;
    this.closed = false;
    this.msgHandlers = [];
    this.closeHandlers = [];
  }

  /** Sends `data` (JSON) with optional binary `buffers` to the front-end (iopub comm_msg). */
  send(data = {}, metadata = {}, buffers = []) {
    if (this.closed) throw new Error(`comm ${this.id} (${this.targetName}) is closed`);
    return this.manager.publish('comm_msg', { comm_id: this.id, data }, metadata, buffers);
  }

  /** Closes the comm on both sides (iopub comm_close). */
  close(data = {}) {
    if (this.closed) return undefined;
    const sent = this.manager.publish('comm_close', { comm_id: this.id, data });
    this.manager.forget(this, data);
    return sent;
  }

  /** `cb(data, buffers, msg)` for each comm_msg from the front-end. */
  onMsg(cb) { this.msgHandlers.push(cb); return this; }
  /** `cb(data, msg?)` when either side closes the comm. */
  onClose(cb) { this.closeHandlers.push(cb); return this; }
}

class CommManager {
  /**
   * @param publish (msgType, content, metadata, buffers) → sends an iopub message with the
   *   current parent header.
   * @param log the kernel's log (never a cell's output).
   */
  constructor({ publish, log }) {
    this.publish = publish;
    this.log = log;
    this.targets = new Map();
    this.comms = new Map();
  }

  /** `handler(comm, openMsg)` runs for every front-end comm_open with this target name. */
  registerTarget(name, handler) { this.targets.set(name, handler); }
  unregisterTarget(name) { this.targets.delete(name); }

  /** Opens a comm from the kernel (iopub comm_open). */
  open(targetName, data = {}, metadata = {}, buffers = []) {
    const comm = new Comm(this, crypto.randomUUID().replace(/-/g, ''), targetName);
    this.comms.set(comm.id, comm);
    this.publish('comm_open', { comm_id: comm.id, target_name: targetName, data, target_module: null }, metadata, buffers);
    return comm;
  }

  forget(comm, data, msg) {
    if (comm.closed) return;
    comm.closed = true;
    this.comms.delete(comm.id);
    for (const cb of comm.closeHandlers) this.guard(`close handler of comm ${comm.id}`, () => cb(data, msg));
  }

  guard(what, fn) {
    try { return fn(); } catch (e) { this.log(`${what} failed: ${e && e.stack}`); return undefined; }
  }

  /** A front-end comm_open. */
  handleOpen(msg) {
    const c = msg.content || {};
    const handler = this.targets.get(c.target_name);
    if (typeof c.comm_id !== 'string' || !handler) {
      this.log(`comm_open for ${c.target_name === undefined ? 'no target' : `unknown target "${c.target_name}"`}; closing comm ${c.comm_id}`);
      if (typeof c.comm_id === 'string') this.publish('comm_close', { comm_id: c.comm_id, data: {} });
      return;
    }
    const comm = new Comm(this, c.comm_id, c.target_name);
    this.comms.set(comm.id, comm);
    this.guard(`comm target "${c.target_name}"`, () => handler(comm, msg));
  }

  /** A front-end comm_msg. */
  handleMsg(msg) {
    const c = msg.content || {};
    const comm = this.comms.get(c.comm_id);
    if (!comm) { this.log(`comm_msg for unknown comm ${c.comm_id}`); return; }
    for (const cb of comm.msgHandlers) this.guard(`message handler of comm ${comm.id}`, () => cb(c.data || {}, msg.buffers || [], msg));
  }

  /** A front-end comm_close. */
  handleClose(msg) {
    const c = msg.content || {};
    const comm = this.comms.get(c.comm_id);
    if (!comm) { this.log(`comm_close for unknown comm ${c.comm_id}`); return; }
    this.forget(comm, c.data || {}, msg);
  }

  /** comm_info_reply content: open comms, optionally of one target. */
  info(targetName) {
    const comms = {};
    for (const comm of this.comms.values()) {
      if (!targetName || comm.targetName === targetName) comms[comm.id] = { target_name: comm.targetName };
    }
    return { status: 'ok', comms };
  }
}

module.exports = { CommManager, Comm };
