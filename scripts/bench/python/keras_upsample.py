"""The bench's `upsample` preset in Keras 3 on TensorFlow (graph mode via tf.function): a GAN built
by hand from layers as in scripts/bench/presets.ts (`handBuilt`). G: Dense 7*7*128, BN,
LeakyReLU 0.2, UpSampling2D x2 (nearest), Conv2D 64 k3, BN, LeakyReLU 0.2, UpSampling2D x2
(bilinear), Conv2D 1 k3 tanh. D: ZeroPadding2D 2, Conv2D 64 k3, LeakyReLU 0.2,
AveragePooling2D 2, Conv2D 128 k3 s2, LeakyReLU 0.2, GlobalAveragePooling2D, Dense 1.
Non-saturating loss on logits, Adam(2e-4, 0.5, 0.999), nCritic 1, the G update reuses z.
(Keras' bilinear resize uses half-pixel centres, tfjs' does not: the same work, other weights.)
Prints one JSON line: ms and CPU ms per generator step.
usage: python keras_upsample.py [batch] [steps]"""
import os, sys
from benchcommon import keras_bce_losses, keras_gan_step, keras_params, report, time_steps
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import tensorflow as tf
import keras
from keras import layers

B = int(sys.argv[1]) if len(sys.argv) > 1 else 64
n = int(sys.argv[2]) if len(sys.argv) > 2 else 20
tf.random.set_seed(0)
g = keras.Sequential([keras.Input((100,)), layers.Dense(7 * 7 * 128), layers.BatchNormalization(), layers.LeakyReLU(0.2),
                      layers.Reshape((7, 7, 128)), layers.UpSampling2D(2), layers.Conv2D(64, 3, padding="same"),
                      layers.BatchNormalization(), layers.LeakyReLU(0.2), layers.UpSampling2D(2, interpolation="bilinear"),
                      layers.Conv2D(1, 3, padding="same", activation="tanh")])
d = keras.Sequential([keras.Input((28, 28, 1)), layers.ZeroPadding2D(2), layers.Conv2D(64, 3, padding="same"), layers.LeakyReLU(0.2),
                      layers.AveragePooling2D(2), layers.Conv2D(128, 3, 2, padding="same"), layers.LeakyReLU(0.2),
                      layers.GlobalAveragePooling2D(), layers.Dense(1)])
oG = keras.optimizers.Adam(2e-4, 0.5, 0.999); oD = keras.optimizers.Adam(2e-4, 0.5, 0.999)
real = tf.random.uniform((B, 28, 28, 1), -1, 1)
step = keras_gan_step(tf, g, d, oG, oD, real, *keras_bce_losses(keras, tf))
ms, cpu, _ = time_steps(step, n, lambda loss: loss.numpy())
report(ms, cpu, impl="keras-tf-" + tf.__version__, device="cpu", batch=B, model="upsample", nCritic=1, params=keras_params(g, d))
