"""Shared by the bench's framework scripts: the timing loop and the one-JSON-line report
(scripts/bench/presets.ts and bf16.ts read it), and the Keras GAN step in graph mode."""
import json
import time


def time_steps(step, n, finish, warmup=3, sync=None):
    """Wall and CPU ms per call of `step` over `n` calls after `warmup`; `finish(last)` forces the
    last result (a device sync), `sync()` runs before the clock starts. Returns (ms, cpu_ms, last)."""
    for _ in range(warmup):
        step()
    if sync:
        sync()
    t = time.perf_counter(); c0 = time.process_time()
    for _ in range(n):
        last = step()
    last = finish(last)
    return (time.perf_counter() - t) / n * 1000, (time.process_time() - c0) / n * 1000, last


def report(ms, cpu_ms, **fields):
    """Prints the measurement as one JSON line (`msPerGStep`, `cpuMs` and the given fields)."""
    print(json.dumps({**fields, "msPerGStep": round(ms, 2), "cpuMs": round(cpu_ms, 2)}))


def keras_gan_step(tf, g, d, oG, oD, real, d_loss, g_loss, latent=100, after=None):
    """One D update then one G update with the same z (as GanTrainer's nCritic 1), compiled with
    tf.function. `d_loss(real_logits, fake_logits)`, `g_loss(fake_logits)`; `after()` runs last."""
    B = real.shape[0]

    @tf.function
    def step():
        z = tf.random.normal((B, latent))
        with tf.GradientTape() as t:
            fr = d(g(z, training=True), training=True); rr = d(real, training=True)
            ld = d_loss(rr, fr)
        oD.apply_gradients(zip(t.gradient(ld, d.trainable_variables), d.trainable_variables))
        with tf.GradientTape() as t:
            lg = g_loss(d(g(z, training=True), training=True))
        oG.apply_gradients(zip(t.gradient(lg, g.trainable_variables), g.trainable_variables))
        if after:
            after()
        return lg
    return step


def keras_bce_losses(keras, tf):
    """The non-saturating objective on logits: (d_loss, g_loss) for keras_gan_step."""
    bce = keras.losses.BinaryCrossentropy(from_logits=True)
    return (lambda rr, fr: bce(tf.ones_like(rr), rr) + bce(tf.zeros_like(fr), fr),
            lambda fr: bce(tf.ones_like(fr), fr))


def torch_report_fields(torch, g, d, dev):
    """impl, device, params and threads of a PyTorch measurement."""
    return {"impl": "pytorch-" + torch.__version__, "device": dev,
            "params": [sum(p.numel() for p in m.parameters()) for m in (g, d)], "threads": torch.get_num_threads()}


def keras_params(g, d):
    """Trainable parameter counts of G and D."""
    return [sum(int(w.numpy().size) for w in m.trainable_weights) for m in (g, d)]
