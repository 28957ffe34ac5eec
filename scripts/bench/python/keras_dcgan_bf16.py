"""The reference DCGAN train step (../shared/reference/keras_dcgan.py: Keras 3, tf.function, batch 64)
under a Keras dtype policy: `float32` or `mixed_bfloat16` (bfloat16 compute, float32 variables).
D's final logits layer stays float32, as Keras' mixed-precision guide recommends; no loss scaling
(unneeded for bfloat16). Prints one JSON line with wall and CPU ms per step (bench section "bf16").
usage: python keras_dcgan_bf16.py <float32|mixed_bfloat16> [batch] [steps]"""
import json, os, sys
from benchcommon import keras_bce_losses, keras_gan_step, time_steps
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import tensorflow as tf
import keras
from keras import layers

policy = sys.argv[1] if len(sys.argv) > 1 else "float32"
B = int(sys.argv[2]) if len(sys.argv) > 2 else 64
n = int(sys.argv[3]) if len(sys.argv) > 3 else 20
keras.mixed_precision.set_global_policy(policy)
tf.random.set_seed(0)
g = keras.Sequential([keras.Input((100,)), layers.Dense(7 * 7 * 128), layers.BatchNormalization(), layers.LeakyReLU(0.3),
                      layers.Reshape((7, 7, 128)), layers.Conv2DTranspose(64, 4, 2, padding="same"),
                      layers.BatchNormalization(), layers.LeakyReLU(0.3),
                      layers.Conv2DTranspose(1, 4, 2, padding="same", activation="tanh")])
d = keras.Sequential([keras.Input((28, 28, 1)), layers.Conv2D(64, 4, 2, padding="same"), layers.LeakyReLU(0.2),
                      layers.Conv2D(128, 4, 2, padding="same"), layers.LeakyReLU(0.2), layers.Flatten(),
                      layers.Dense(1, dtype="float32")])
oG = keras.optimizers.Adam(2e-4, 0.5); oD = keras.optimizers.Adam(2e-4, 0.5)
real = tf.random.uniform((B, 28, 28, 1), -1, 1)


step = keras_gan_step(tf, g, d, oG, oD, real, *keras_bce_losses(keras, tf))


ms, cpu, loss = time_steps(step, n, lambda loss: float(loss.numpy()))
print(json.dumps({"impl": "keras-tf-" + tf.__version__, "policy": policy, "device": "cpu", "batch": B,
                  "computeDtype": g.layers[0].compute_dtype, "variableDtype": g.layers[0].variable_dtype,
                  "logitsDtype": d.layers[-1].compute_dtype, "loss": round(loss, 4),
                  "msPerStep": round(ms, 2), "cpuMsPerStep": round(cpu, 2)}))
