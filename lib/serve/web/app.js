// ganbook browser demo: loads the exported generator with TensorFlow.js and renders images
// client-side. Test hook: window.ganbook = { ready, render(settings), pixels(), backend, meta }.
/* global tf, ganbookLatent */
(function () {
  'use strict';
  var SLIDERS = 8;
  var STRIP = 8;
  var $ = function (id) { return document.getElementById(id); };
  var status = $('status');
  var model = null;
  var meta = null;
  var offsets = new Float32Array(SLIDERS);

  function setStatus(text, isError) {
    status.textContent = text;
    status.className = isError ? 'error' : '';
  }

  function settings() {
    var trunc = parseFloat($('truncation').value);
    return {
      seedA: Math.max(0, Math.floor(Number($('seedA').value) || 0)) >>> 0,
      seedB: Math.max(0, Math.floor(Number($('seedB').value) || 0)) >>> 0,
      t: Number($('t').value),
      truncation: trunc > 0 ? trunc : undefined,
      label: meta && meta.numClasses > 0 ? Number($('label').value) : undefined,
    };
  }

  // Spherical interpolation (Gaussian latents keep their norm); exact endpoints at t = 0 and 1.
  function slerp(a, b, t) {
    if (t <= 0) return Float32Array.from(a);
    if (t >= 1) return Float32Array.from(b);
    var dot = 0, na = 0, nb = 0, i;
    for (i = 0; i < a.length; i++) { dot += a[i] * b[i]; na += a[i] * a[i]; nb += b[i] * b[i]; }
    var cos = Math.min(1, Math.max(-1, dot / Math.sqrt(na * nb)));
    var omega = Math.acos(cos);
    var out = new Float32Array(a.length);
    if (omega < 1e-6) { for (i = 0; i < a.length; i++) out[i] = a[i] + t * (b[i] - a[i]); return out; }
    var s = Math.sin(omega), wa = Math.sin((1 - t) * omega) / s, wb = Math.sin(t * omega) / s;
    for (i = 0; i < a.length; i++) out[i] = wa * a[i] + wb * b[i];
    return out;
  }

  function latentFor(s, t) {
    var d = meta.latentDim;
    var z = slerp(ganbookLatent.sampleLatent(s.seedA, 1, d, s.truncation), ganbookLatent.sampleLatent(s.seedB, 1, d, s.truncation), t);
    for (var i = 0; i < Math.min(SLIDERS, d); i++) z[i] += offsets[i];
    return z;
  }

  // [n, h, w, c] in [0, 1] for the given latents (row-major [n, d]).
  function predict(z, n, label) {
    return tf.tidy(function () {
      var zt = tf.tensor2d(z, [n, meta.latentDim]);
      var inputs = meta.numClasses > 0 ? [zt, tf.fill([n, 1], label)] : zt;
      return model.predict(inputs).add(1).div(2).clipByValue(0, 1);
    });
  }

  async function drawInto(images, index, canvas) {
    var img = tf.tidy(function () { return images.slice([index, 0, 0, 0], [1, -1, -1, -1]).squeeze([0]); });
    await tf.browser.toPixels(img, canvas);
    img.dispose();
  }

  var rendering = Promise.resolve();
  function render(overrides) {
    rendering = rendering.then(function () { return renderNow(overrides || {}); }).catch(function (e) {
      setStatus('Rendering failed: ' + e.message, true);
      throw e;
    });
    return rendering;
  }

  async function renderNow(overrides) {
    if ('seedA' in overrides) $('seedA').value = overrides.seedA;
    if ('seedB' in overrides) $('seedB').value = overrides.seedB;
    if ('t' in overrides) $('t').value = overrides.t;
    if ('truncation' in overrides) $('truncation').value = overrides.truncation == null ? '' : overrides.truncation;
    if ('label' in overrides && meta.numClasses > 0) $('label').value = overrides.label;
    if (overrides.offsets) { offsets.set(overrides.offsets.slice(0, SLIDERS)); syncSliders(); }
    var s = settings();
    $('tOut').textContent = s.t.toFixed(2);
    var h = meta.imageShape[0], w = meta.imageShape[1];

    var one = predict(latentFor(s, s.t), 1, s.label);
    var native = $('native');
    await drawInto(one, 0, native);
    one.dispose();
    var view = $('view'), ctx = view.getContext('2d');
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(native, 0, 0, view.width, view.height);

    var zs = new Float32Array(STRIP * meta.latentDim);
    for (var k = 0; k < STRIP; k++) zs.set(latentFor(s, k / (STRIP - 1)), k * meta.latentDim);
    var strip = predict(zs, STRIP, s.label);
    var tile = document.createElement('canvas');
    var sctx = $('strip').getContext('2d');
    sctx.imageSmoothingEnabled = false;
    var cell = $('strip').width / STRIP;
    for (k = 0; k < STRIP; k++) {
      await drawInto(strip, k, tile);
      sctx.drawImage(tile, k * cell, 0, cell - 2, Math.min($('strip').height, (cell - 2) * h / w));
    }
    strip.dispose();
    setStatus('Model: ' + meta.imageShape.join('×') + ', latent ' + meta.latentDim
      + (meta.dataset ? ', ' + meta.dataset : '') + ' · backend: ' + tf.getBackend() + ' · tensors: ' + tf.memory().numTensors);
  }

  function syncSliders() {
    for (var i = 0; i < offsets.length; i++) {
      var el = $('z' + i);
      if (el) el.value = offsets[i];
    }
  }

  function buildControls() {
    var box = $('sliders');
    for (var i = 0; i < Math.min(SLIDERS, meta.latentDim); i++) {
      var label = document.createElement('label');
      label.innerHTML = '<span>z' + i + '</span><input id="z' + i + '" type="range" min="-3" max="3" step="0.05" value="0">';
      box.appendChild(label);
      (function (j) {
        label.querySelector('input').addEventListener('input', function (ev) { offsets[j] = Number(ev.target.value); render(); });
      })(i);
    }
    if (meta.numClasses > 0) {
      $('labelRow').hidden = false;
      for (var c = 0; c < meta.numClasses; c++) {
        var opt = document.createElement('option');
        opt.value = String(c);
        opt.textContent = meta.labels && meta.labels[c] ? c + ' · ' + meta.labels[c] : String(c);
        $('label').appendChild(opt);
      }
    }
    ['seedA', 'seedB', 't', 'truncation', 'label'].forEach(function (id) {
      $(id).addEventListener('input', function () { render(); });
    });
    $('reset').addEventListener('click', function () { offsets.fill(0); syncSliders(); render(); });
  }

  async function start() {
    var params = new URLSearchParams(location.search);
    if (params.get('backend')) await tf.setBackend(params.get('backend'));
    await tf.ready();
    meta = await (await fetch('/v1/model')).json();
    model = await tf.loadLayersModel('/model/model.json');
    $('native').width = meta.imageShape[1];
    $('native').height = meta.imageShape[0];
    buildControls();
    await render();
  }

  var ready = start().catch(function (e) {
    setStatus('Could not start: ' + e.message, true);
    throw e;
  });

  window.ganbook = {
    ready: ready,
    render: render,
    backend: function () { return tf.getBackend(); },
    meta: function () { return meta; },
    numTensors: function () { return tf.memory().numTensors; },
    // RGBA bytes of the native-size canvas (what the model produced for the current settings).
    pixels: function () {
      var c = $('native');
      return Array.from(c.getContext('2d').getImageData(0, 0, c.width, c.height).data);
    },
  };
})();
