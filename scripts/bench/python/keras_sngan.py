"""SNGAN in Keras 3 on TensorFlow (graph mode via tf.function): the DCGAN generator of ganbook's
dcgan() (Dense 7*7*128, BN, LeakyReLU 0.3; Conv2DTranspose 64 k4 s2, BN, LeakyReLU 0.3;
Conv2DTranspose 1 k4 s2, tanh) and the DCGAN discriminator with keras.layers.SpectralNormalization
(one power iteration per training call, u kept) around every Conv2D / Dense: SN(Conv2D 64 k4 s2),
LeakyReLU 0.2, SN(Conv2D 128 k4 s2), LeakyReLU 0.2, flatten, SN(Dense 1). Hinge loss
(D: mean relu(1 - D(x)) + mean relu(1 + D(G(z))); G: -mean D(G(z))), Adam(2e-4, 0.5, 0.999),
nCritic 1, the G update reuses the D update's z. Note: Keras' wrapper writes W / sigma into the
kernel variable (no gradient through sigma); torch's parametrization differentiates through it.
Prints one JSON line: ms and CPU ms per generator step.
usage: python keras_sngan.py [batch] [steps]"""
import os, sys
from benchcommon import keras_gan_step, keras_params, report, time_steps
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import tensorflow as tf
import keras
from keras import layers

B = int(sys.argv[1]) if len(sys.argv) > 1 else 64
n = int(sys.argv[2]) if len(sys.argv) > 2 else 20
tf.random.set_seed(0)
SN = layers.SpectralNormalization
g = keras.Sequential([keras.Input((100,)), layers.Dense(7 * 7 * 128), layers.BatchNormalization(), layers.LeakyReLU(0.3),
                      layers.Reshape((7, 7, 128)), layers.Conv2DTranspose(64, 4, 2, padding="same"),
                      layers.BatchNormalization(), layers.LeakyReLU(0.3),
                      layers.Conv2DTranspose(1, 4, 2, padding="same", activation="tanh")])
d = keras.Sequential([keras.Input((28, 28, 1)), SN(layers.Conv2D(64, 4, 2, padding="same"), power_iterations=1), layers.LeakyReLU(0.2),
                      SN(layers.Conv2D(128, 4, 2, padding="same"), power_iterations=1), layers.LeakyReLU(0.2),
                      layers.Flatten(), SN(layers.Dense(1), power_iterations=1)])
oG = keras.optimizers.Adam(2e-4, 0.5, 0.999); oD = keras.optimizers.Adam(2e-4, 0.5, 0.999)
real = tf.random.uniform((B, 28, 28, 1), -1, 1)


step = keras_gan_step(tf, g, d, oG, oD, real,
                      lambda rr, fr: tf.reduce_mean(tf.nn.relu(1.0 - rr)) + tf.reduce_mean(tf.nn.relu(1.0 + fr)),
                      lambda fr: -tf.reduce_mean(fr))
ms, cpu, _ = time_steps(step, n, lambda loss: loss.numpy())
report(ms, cpu, impl="keras-tf-" + tf.__version__, device="cpu", batch=B, model="sngan", nCritic=1, params=keras_params(g, d))
